import { z } from "zod";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `lsusb` (usbutils):
 *
 *   Bus 001 Device 009: ID 1e0e:9001 Qualcomm / Option SimTech, Incorporated
 *
 * The SIM7600G-H is 1e0e:9001 in its default (QMI + AT ports) composition; 1e0e:9011 (RNDIS) and
 * 1e0e:9018 (ECM) are the compositions AT+CUSBPIDSWITCH selects, in which there is no
 * /dev/cdc-wdm0. The description comes from the usb.ids database and may be empty.
 */
export const lsusbDeviceSchema = z.object({
  bus: z.number().int().nonnegative(),
  device: z.number().int().nonnegative(),
  vendorId: z.string().regex(/^[0-9a-f]{4}$/),
  productId: z.string().regex(/^[0-9a-f]{4}$/),
  description: z.string(),
});
export type LsusbDevice = z.infer<typeof lsusbDeviceSchema>;

export const lsusbFactsSchema = z.object({ devices: z.array(lsusbDeviceSchema) });
export type LsusbFacts = z.infer<typeof lsusbFactsSchema>;

const deviceRe = /^\s*Bus (\d{3}) Device (\d{3}): ID ([0-9a-fA-F]{4}):([0-9a-fA-F]{4})(?:\s+(.*?))?\s*$/;

export function parseLsusb(text: string): ParseResult<LsusbFacts> {
  const devices: LsusbDevice[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = deviceRe.exec(line);
    if (!m) continue;
    devices.push({
      bus: Number(m[1]),
      device: Number(m[2]),
      vendorId: m[3]!.toLowerCase(),
      productId: m[4]!.toLowerCase(),
      description: m[5] ?? "",
    });
  }
  if (devices.length === 0) return notThisKind("No `Bus NNN Device NNN: ID vvvv:pppp` line.");
  return facts({ devices });
}

export const lsusbKind = defineKind({
  kind: "lsusb",
  source: "lsusb",
  schema: lsusbFactsSchema,
  parse: parseLsusb,
});
