import { z } from "zod";
import { qmicliErrorFactsSchema, qmicliFailureOrNotThisKind } from "./qmicli-error.ts";
import { quotedValue } from "./qmicli-fields.ts";
import { defineKind, facts, type ParseResult } from "./result.ts";

/**
 * `qmicli -d /dev/cdc-wdm0 --dms-get-ids`:
 *
 *   [/dev/cdc-wdm0] Device IDs retrieved:
 *   	    ESN: '0'
 *   	   IMEI: '867034040025018'
 *   	   MEID: 'unknown'
 *   	IMEI SV: '27'
 *
 * libqmi prints `'unknown'` for an ID the modem did not send (VALIDATE_UNKNOWN); such an ID is
 * left out. `IMEI SV` only exists since libqmi 1.26 and only when the modem sends it.
 */
export const deviceIdsSchema = z.object({
  imei: z.string().min(1).optional(),
  imeiSv: z.string().min(1).optional(),
  esn: z.string().min(1).optional(),
  meid: z.string().min(1).optional(),
});
export type DeviceIds = z.infer<typeof deviceIdsSchema>;

export const dmsGetIdsSchema = z.union([deviceIdsSchema, qmicliErrorFactsSchema]);
export type DmsGetIds = z.infer<typeof dmsGetIdsSchema>;

function known(value: string | undefined): string | undefined {
  return value === undefined || value === "" || value === "unknown" ? undefined : value;
}

export function parseDmsGetIds(text: string): ParseResult<DmsGetIds> {
  const imei = quotedValue(text, "IMEI");
  const esn = quotedValue(text, "ESN");
  const meid = quotedValue(text, "MEID");
  if (!/Device IDs retrieved/.test(text) && imei === undefined && esn === undefined && meid === undefined) {
    return qmicliFailureOrNotThisKind(text, "dms-get-ids", "No `Device IDs retrieved` header and no IMEI, ESN or MEID line.");
  }
  const values: DeviceIds = {
    imei: known(imei),
    imeiSv: known(quotedValue(text, "IMEI SV")),
    esn: known(esn),
    meid: known(meid),
  };
  const ids: DeviceIds = {};
  for (const key of ["imei", "imeiSv", "esn", "meid"] as const) {
    const value = values[key];
    if (value !== undefined) ids[key] = value;
  }
  return facts(ids);
}

export const dmsGetIdsKind = defineKind({
  kind: "qmicli.dms-get-ids",
  source: "qmicli -d /dev/cdc-wdm0 --device-open-proxy --dms-get-ids",
  schema: dmsGetIdsSchema,
  parse: parseDmsGetIds,
});
