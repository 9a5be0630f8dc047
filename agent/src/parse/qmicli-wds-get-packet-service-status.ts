import { z } from "zod";
import { qmicliErrorFactsSchema, qmicliFailureOrNotThisKind } from "./qmicli-error.ts";
import { quotedValue } from "./qmicli-fields.ts";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `qmicli -d /dev/cdc-wdm0 --wds-get-packet-service-status`:
 *
 *   [/dev/cdc-wdm0] Connection status: 'connected'
 *
 * The status is libqmi's QmiWdsConnectionStatus name, lowercased here in case a wrapper or an
 * old build capitalised it.
 */
export const connectionStatuses = ["connected", "disconnected", "suspended", "authenticating", "unknown"] as const;

export const packetServiceStatusSchema = z.object({ connectionStatus: z.enum(connectionStatuses) });
export type PacketServiceStatus = z.infer<typeof packetServiceStatusSchema>;

export const wdsGetPacketServiceStatusSchema = z.union([packetServiceStatusSchema, qmicliErrorFactsSchema]);
export type WdsGetPacketServiceStatus = z.infer<typeof wdsGetPacketServiceStatusSchema>;

export function parseWdsGetPacketServiceStatus(text: string): ParseResult<WdsGetPacketServiceStatus> {
  const status = (quotedValue(text, "Connection status") ?? quotedValue(text, "connection status"))?.toLowerCase();
  if (status === undefined) {
    return qmicliFailureOrNotThisKind(text, "wds-get-packet-service-status", "No `Connection status: '...'` line.");
  }
  if (!(connectionStatuses as readonly string[]).includes(status)) {
    return notThisKind(`\`Connection status: '${status}'\` is not a status libqmi prints.`);
  }
  return facts({ connectionStatus: status as PacketServiceStatus["connectionStatus"] });
}

export const wdsGetPacketServiceStatusKind = defineKind({
  kind: "qmicli.wds-get-packet-service-status",
  source: "qmicli -d /dev/cdc-wdm0 --device-open-proxy --wds-get-packet-service-status",
  schema: wdsGetPacketServiceStatusSchema,
  parse: parseWdsGetPacketServiceStatus,
});
