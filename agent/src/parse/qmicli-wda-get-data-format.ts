import { z } from "zod";
import { qmicliErrorFactsSchema, qmicliFailureOrNotThisKind } from "./qmicli-error.ts";
import { quotedValue } from "./qmicli-fields.ts";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `qmicli -d /dev/cdc-wdm0 --wda-get-data-format`:
 *
 *   [/dev/cdc-wdm0] Successfully got data format
 *                      QoS flow header: no
 *                  Link layer protocol: 'raw-ip'
 *     Uplink data aggregation protocol: 'disabled'
 *   Downlink data aggregation protocol: 'disabled'
 *
 * `raw-ip` must match the kernel's /sys/class/net/wwan0/qmi/raw_ip (qmi-network compares the
 * two); `802-3` with raw_ip=Y is the classic "connected but no traffic" mismatch.
 * --wda-set-data-format prints the same block under `Successfully set data format`; that is a
 * change, not a reading, so it is not this kind.
 */
export const dataFormatSchema = z.object({
  /** `raw-ip`, `802-3` or `unknown`. */
  linkLayerProtocol: z.string().min(1).optional(),
  /** Uplink data aggregation protocol: `disabled`, `qmap`, `qmapv5`, `mbim`... */
  ulProtocol: z.string().min(1).optional(),
  /** Downlink data aggregation protocol. */
  dlProtocol: z.string().min(1).optional(),
});
export type DataFormat = z.infer<typeof dataFormatSchema>;

export const wdaGetDataFormatSchema = z.union([dataFormatSchema, qmicliErrorFactsSchema]);
export type WdaGetDataFormat = z.infer<typeof wdaGetDataFormatSchema>;

export function parseWdaGetDataFormat(text: string): ParseResult<WdaGetDataFormat> {
  if (/Successfully set data format/.test(text)) {
    return notThisKind("This is the output of qmicli --wda-set-data-format, not of --wda-get-data-format.");
  }
  const format: DataFormat = {};
  const values = {
    linkLayerProtocol: quotedValue(text, "Link layer protocol"),
    ulProtocol: quotedValue(text, "Uplink data aggregation protocol"),
    dlProtocol: quotedValue(text, "Downlink data aggregation protocol"),
  };
  for (const key of Object.keys(values) as (keyof typeof values)[]) {
    const value = values[key];
    if (value) format[key] = value;
  }
  if (Object.keys(format).length === 0 && !/Successfully got data format/.test(text)) {
    return qmicliFailureOrNotThisKind(text, "wda-get-data-format", "No `Link layer protocol` or data aggregation line of a data format.");
  }
  return facts(format);
}

export const wdaGetDataFormatKind = defineKind({
  kind: "qmicli.wda-get-data-format",
  source: "qmicli -d /dev/cdc-wdm0 --device-open-proxy --wda-get-data-format",
  schema: wdaGetDataFormatSchema,
  parse: parseWdaGetDataFormat,
});
