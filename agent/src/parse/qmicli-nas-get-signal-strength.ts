import { z } from "zod";
import { qmicliErrorFactsSchema, qmicliFailureOrNotThisKind } from "./qmicli-error.ts";
import { inRange, toNumber } from "./qmicli-fields.ts";
import { defineKind, facts, type ParseResult } from "./result.ts";

/**
 * `qmicli -d /dev/cdc-wdm0 --nas-get-signal-strength` (libqmi src/qmicli/qmicli-nas.c):
 *
 *   [/dev/cdc-wdm0] Successfully got signal strength
 *   Current:
 *   	Network 'lte': '-61 dBm'
 *   RSSI:
 *   	Network 'lte': '-61 dBm'
 *   ECIO:
 *   	Network 'lte': '-2.5 dBm'      (libqmi labels Ec/Io "dBm"; it is a ratio in dB)
 *   IO: '-106 dBm'
 *   SINR (8): '9.0 dB'              (libqmi before ~1.18: `SINR: (8) '9.0 dB'`)
 *   RSRQ:
 *   	Network 'lte': '-16 dB'
 *   SNR:
 *   	Network 'lte': '3.2 dB'
 *   RSRP:
 *   	Network 'lte': '-90 dBm'
 *
 * Every number is reported only for the current radio (the `Current:` network): `Other:` and
 * the extra RSSI/ECIO entries belong to radios the modem is not using. SINR is QMI's EV-DO SINR
 * level (QmiNasEvdoSinrLevel), so it counts only when the current radio is cdma-1xevdo: LTE
 * modems such as the SIM7600 fill it with a constant `SINR (8): '9.0 dB'`.
 */
export const signalStrengthSchema = z.object({
  /** libqmi's radio interface name: lte, umts, gsm, cdma-1x, cdma-1xevdo, td-scdma, 5gnr, none... */
  radio: z.string().regex(/^[a-z0-9-]+$/),
  rssiDbm: z.number().min(-128).max(127).optional(),
  rsrpDbm: z.number().min(-32768).max(32767).optional(),
  rsrqDb: z.number().min(-128).max(127).optional(),
  snrDb: z.number().min(-3276.8).max(3276.7).optional(),
  ecioDb: z.number().min(-127.5).max(0).optional(),
  sinrDb: z.number().min(-128).max(127).optional(),
});

/**
 * What each field can hold on the wire (QMI NAS Get Signal Strength): RSSI and RSRQ are int8,
 * RSRP int16, SNR int16 in 0.1 dB, Ec/Io a uint8 in -0.5 dB steps. A value outside that range
 * was not sent by the modem (a damaged capture), so it is left out rather than reported.
 */
const RANGES = {
  rssiDbm: [-128, 127],
  rsrpDbm: [-32768, 32767],
  rsrqDb: [-128, 127],
  snrDb: [-3276.8, 3276.7],
  ecioDb: [-127.5, 0],
  sinrDb: [-128, 127],
} as const satisfies Record<string, readonly [number, number]>;

function fits(key: keyof typeof RANGES, value: number | undefined): number | undefined {
  return inRange(value, RANGES[key][0], RANGES[key][1]);
}
export type SignalStrength = z.infer<typeof signalStrengthSchema>;

export const nasGetSignalStrengthSchema = z.union([signalStrengthSchema, qmicliErrorFactsSchema]);
export type NasGetSignalStrength = z.infer<typeof nasGetSignalStrengthSchema>;

type Section = "Current" | "Other" | "RSSI" | "ECIO" | "RSRQ" | "SNR" | "RSRP";

/**
 * Section headers and `Network 'x': 'n unit'` entries, in the order printed. Matching tokens
 * rather than lines keeps a capture whose line breaks were lost parseable.
 */
const TOKEN =
  /(?<![\w'])(Current|Other|RSSI|ECIO|RSRQ|SNR|RSRP):|Network\s+'([a-z0-9-]+)':\s*'(-?\d+(?:\.\d+)?)\s*dBm?['\u2019]/g;
const SINR = /(?<![\w'])SINR\s*(?:\(\d+\)\s*:|:\s*\(\d+\))\s*'(-?\d+(?:\.\d+)?) dB['\u2019]/;

export function parseNasGetSignalStrength(text: string): ParseResult<NasGetSignalStrength> {
  const entries = new Map<Section, Map<string, number>>();
  let section: Section | undefined;
  for (const token of text.matchAll(TOKEN)) {
    if (token[1] !== undefined) {
      section = token[1] as Section;
      continue;
    }
    const value = toNumber(token[3]);
    if (section === undefined || token[2] === undefined || value === undefined) continue;
    const list = entries.get(section) ?? new Map<string, number>();
    if (!list.has(token[2])) list.set(token[2], value);
    entries.set(section, list);
  }

  const current = entries.get("Current");
  const [radio, strength] = current?.entries().next().value ?? [];
  if (radio === undefined || strength === undefined) {
    return qmicliFailureOrNotThisKind(text, "nas-get-signal-strength", "No `Current:` network with a strength in dBm.");
  }

  const forRadio = (name: Section) => entries.get(name)?.get(radio);
  const result: SignalStrength = { radio };
  // The `Current` strength is the RSSI of that radio; the RSSI list repeats it when present.
  const rssi = fits("rssiDbm", forRadio("RSSI") ?? strength);
  if (rssi !== undefined) result.rssiDbm = rssi;
  const optional: [keyof typeof RANGES, number | undefined][] = [
    ["rsrpDbm", forRadio("RSRP")],
    ["rsrqDb", forRadio("RSRQ")],
    ["snrDb", forRadio("SNR")],
    ["ecioDb", forRadio("ECIO")],
    ["sinrDb", radio === "cdma-1xevdo" ? toNumber(SINR.exec(text)?.[1]) : undefined],
  ];
  for (const [key, value] of optional) {
    const fitting = fits(key, value);
    if (fitting !== undefined) result[key] = fitting;
  }
  return facts(result);
}

export const nasGetSignalStrengthKind = defineKind({
  kind: "qmicli.nas-get-signal-strength",
  source: "qmicli -d /dev/cdc-wdm0 --device-open-proxy --nas-get-signal-strength",
  schema: nasGetSignalStrengthSchema,
  parse: parseNasGetSignalStrength,
});
