import { z } from "zod";
import { qmicliErrorFactsSchema, qmicliFailureOrNotThisKind } from "./qmicli-error.ts";
import { plainValue, toInteger } from "./qmicli-fields.ts";
import { defineKind, facts, type ParseResult } from "./result.ts";

/**
 * `qmicli -d /dev/cdc-wdm0 --wds-get-current-settings` (values are not quoted here):
 *
 *   [/dev/cdc-wdm0] Current settings retrieved:
 *              IP Family: IPv4
 *           IPv4 address: 10.240.212.143
 *       IPv4 subnet mask: 255.255.255.224
 *   IPv4 gateway address: 10.240.212.144
 *       IPv4 primary DNS: 10.112.248.230
 *     IPv4 secondary DNS: 10.112.248.242
 *                    MTU: 1500
 *                Domains: none
 *
 * Every line is optional: the modem sends only what the bearer has. Without a data session the
 * command fails with `QMI protocol error (15): 'OutOfCall'`.
 */
export const currentSettingsSchema = z.object({
  ipFamily: z.enum(["ipv4", "ipv6", "unknown"]).optional(),
  ipv4Address: z.ipv4().optional(),
  ipv4SubnetMask: z.ipv4().optional(),
  ipv4Gateway: z.ipv4().optional(),
  ipv4PrimaryDns: z.ipv4().optional(),
  ipv4SecondaryDns: z.ipv4().optional(),
  /** QMI's MTU TLV is 32-bit, but no link has an MTU beyond IPv4's 65,535-byte packet. */
  mtu: z.number().int().min(0).max(65535).optional(),
  domains: z.array(z.string().min(1)).optional(),
});
export type CurrentSettings = z.infer<typeof currentSettingsSchema>;

export const wdsGetCurrentSettingsSchema = z.union([currentSettingsSchema, qmicliErrorFactsSchema]);
export type WdsGetCurrentSettings = z.infer<typeof wdsGetCurrentSettingsSchema>;

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function ipv4(text: string, key: string): string | undefined {
  const value = plainValue(text, key)?.split(/\s/)[0];
  return value !== undefined && IPV4.test(value) ? value : undefined;
}

export function parseWdsGetCurrentSettings(text: string): ParseResult<WdsGetCurrentSettings> {
  const settings: CurrentSettings = {};
  const family = plainValue(text, "IP Family")?.toLowerCase();
  if (family === "ipv4" || family === "ipv6" || family === "unknown") settings.ipFamily = family;
  const addresses = {
    ipv4Address: ipv4(text, "IPv4 address"),
    ipv4SubnetMask: ipv4(text, "IPv4 subnet mask"),
    ipv4Gateway: ipv4(text, "IPv4 gateway address"),
    ipv4PrimaryDns: ipv4(text, "IPv4 primary DNS"),
    ipv4SecondaryDns: ipv4(text, "IPv4 secondary DNS"),
  };
  for (const key of Object.keys(addresses) as (keyof typeof addresses)[]) {
    const value = addresses[key];
    if (value !== undefined) settings[key] = value;
  }
  // An MTU beyond any IP packet is a damaged line, not the bearer's MTU.
  const mtu = toInteger(plainValue(text, "MTU"), 0, 65535);
  if (mtu !== undefined) settings.mtu = mtu;
  const domains = plainValue(text, "Domains");
  if (domains !== undefined && domains !== "") {
    settings.domains = domains === "none" ? [] : domains.split(/,\s*/).filter((d) => d !== "");
  }

  const found = Object.keys(settings).length > 0;
  if (!found && !/Current settings retrieved/.test(text)) {
    return qmicliFailureOrNotThisKind(text, "wds-get-current-settings", "No `Current settings retrieved` header and no IP, MTU or DNS line.");
  }
  return facts(settings);
}

export const wdsGetCurrentSettingsKind = defineKind({
  kind: "qmicli.wds-get-current-settings",
  source: "qmicli -d /dev/cdc-wdm0 --device-open-proxy --wds-get-current-settings",
  schema: wdsGetCurrentSettingsSchema,
  parse: parseWdsGetCurrentSettings,
});
