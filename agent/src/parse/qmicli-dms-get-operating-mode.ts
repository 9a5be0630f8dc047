import { z } from "zod";
import { qmicliErrorFactsSchema, qmicliFailureOrNotThisKind } from "./qmicli-error.ts";
import { quotedValue, yesNo } from "./qmicli-fields.ts";
import { defineKind, facts, type ParseResult } from "./result.ts";

/**
 * `qmicli -d /dev/cdc-wdm0 --dms-get-operating-mode`:
 *
 *   [/dev/cdc-wdm0] Operating mode retrieved:
 *   	Mode: 'online'
 *   	HW restricted: 'no'
 *
 * A modem in `low-power` or `offline` may add `Reason: '...'` (a mask of libqmi's
 * QmiDmsOfflineReason names). `mode` is libqmi's word: online, low-power, factory-test, offline,
 * reset, shutting-down, persistent-low-power, mode-only-low-power or unknown.
 */
export const operatingModeSchema = z.object({
  mode: z.string().regex(/^[a-z0-9-]+$/),
  hardwareRestricted: z.boolean().optional(),
  offlineReason: z.string().min(1).optional(),
});
export type OperatingMode = z.infer<typeof operatingModeSchema>;

export const dmsGetOperatingModeSchema = z.union([operatingModeSchema, qmicliErrorFactsSchema]);
export type DmsGetOperatingMode = z.infer<typeof dmsGetOperatingModeSchema>;

export function parseDmsGetOperatingMode(text: string): ParseResult<DmsGetOperatingMode> {
  const mode = quotedValue(text, "Mode")?.toLowerCase();
  if (mode === undefined || !/^[a-z0-9-]+$/.test(mode)) {
    return qmicliFailureOrNotThisKind(text, "dms-get-operating-mode", "No `Mode: '...'` line of an operating mode.");
  }
  const result: OperatingMode = { mode };
  const hardwareRestricted = yesNo(quotedValue(text, "HW restricted"));
  if (hardwareRestricted !== undefined) result.hardwareRestricted = hardwareRestricted;
  const reason = quotedValue(text, "Reason");
  if (reason) result.offlineReason = reason;
  return facts(result);
}

export const dmsGetOperatingModeKind = defineKind({
  kind: "qmicli.dms-get-operating-mode",
  source: "qmicli -d /dev/cdc-wdm0 --device-open-proxy --dms-get-operating-mode",
  schema: dmsGetOperatingModeSchema,
  parse: parseDmsGetOperatingMode,
});
