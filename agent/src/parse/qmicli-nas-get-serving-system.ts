import { z } from "zod";
import { qmicliErrorFactsSchema, qmicliFailureOrNotThisKind } from "./qmicli-error.ts";
import { quotedValue } from "./qmicli-fields.ts";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `qmicli -d /dev/cdc-wdm0 --nas-get-serving-system` (libqmi src/qmicli/qmicli-nas.c):
 *
 *   [/dev/cdc-wdm0] Successfully got serving system:
 *   	Registration state: 'registered'
 *   	CS: 'attached'
 *   	PS: 'attached'
 *   	Selected network: '3gpp'
 *   	Radio interfaces: '1'
 *   		[0]: 'lte'
 *   	Roaming status: 'off'
 *   	Current PLMN:
 *   		MCC: '234'
 *   		MNC: '15'
 *   		Description: 'voda UK'
 *
 * Only the first five lines are always printed; roaming and the PLMN come from optional TLVs
 * a modem that is not registered does not send, so those facts are then absent. MCC and MNC stay
 * strings as printed (`%u`: MNC '01' prints as '1', so the leading zero is already lost).
 */
export const registrationStates = [
  "registered",
  "not-registered",
  "not-registered-searching",
  "registration-denied",
  "unknown",
] as const;

export const servingSystemSchema = z.object({
  registrationState: z.enum(registrationStates),
  csAttached: z.boolean(),
  psAttached: z.boolean(),
  radioInterfaces: z.array(z.string().min(1)),
  roaming: z.boolean().optional(),
  mcc: z.string().regex(/^\d{1,3}$/).optional(),
  mnc: z.string().regex(/^\d{1,3}$/).optional(),
  operatorDescription: z.string().min(1).optional(),
});
export type ServingSystem = z.infer<typeof servingSystemSchema>;

export const nasGetServingSystemSchema = z.union([servingSystemSchema, qmicliErrorFactsSchema]);
export type NasGetServingSystem = z.infer<typeof nasGetServingSystemSchema>;

const RADIO_COUNT = /(?<![\w-])Radio interfaces:\s*'(\d+)'/;

/** The `[i]: 'name'` items that follow `Radio interfaces: 'n'`. */
function radioInterfaces(text: string): string[] {
  const header = RADIO_COUNT.exec(text);
  if (!header) return [];
  const count = Number(header[1]);
  const items: string[] = [];
  // Items may sit behind the same `>` (mail quote) or `#` (script comment) marks as the header.
  const LIST_ITEM = /[\s>#]*\[\d+\]:\s*'([^'\n]*)'/y;
  LIST_ITEM.lastIndex = header.index + header[0].length;
  while (items.length < count) {
    const item = LIST_ITEM.exec(text);
    if (!item) break;
    if (item[1]) items.push(item[1]);
  }
  return items;
}

export function parseNasGetServingSystem(text: string): ParseResult<NasGetServingSystem> {
  const registration = quotedValue(text, "Registration state");
  const cs = quotedValue(text, "CS");
  const ps = quotedValue(text, "PS");
  if (registration === undefined || cs === undefined || ps === undefined) {
    return qmicliFailureOrNotThisKind(
      text,
      "nas-get-serving-system",
      "No `Registration state`, `CS` and `PS` lines of a serving system.",
    );
  }
  if (!(registrationStates as readonly string[]).includes(registration)) {
    return notThisKind(`\`Registration state: '${registration}'\` is not a state libqmi prints.`);
  }
  const result: ServingSystem = {
    registrationState: registration as ServingSystem["registrationState"],
    csAttached: cs === "attached",
    psAttached: ps === "attached",
    radioInterfaces: radioInterfaces(text),
  };
  const roaming = quotedValue(text, "Roaming status");
  if (roaming === "on" || roaming === "off") result.roaming = roaming === "on";
  // The first MCC/MNC is the Current PLMN's; `Full operator code info` repeats them later.
  // MCC and MNC have at most three digits (ITU-T E.212); a longer number is a damaged line.
  const mcc = quotedValue(text, "MCC");
  if (mcc !== undefined && /^\d{1,3}$/.test(mcc)) result.mcc = mcc;
  const mnc = quotedValue(text, "MNC");
  if (mnc !== undefined && /^\d{1,3}$/.test(mnc)) result.mnc = mnc;
  const description = quotedValue(text, "Description");
  if (description) result.operatorDescription = description;
  return facts(result);
}

export const nasGetServingSystemKind = defineKind({
  kind: "qmicli.nas-get-serving-system",
  source: "qmicli -d /dev/cdc-wdm0 --device-open-proxy --nas-get-serving-system",
  schema: nasGetServingSystemSchema,
  parse: parseNasGetServingSystem,
});
