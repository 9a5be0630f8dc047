import { z } from "zod";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * BusyBox `udhcpc -i wwan0 -n -q` (networking/udhcp/dhcpc.c). Its messages changed over time:
 *
 *   <= 1.19   udhcpc (v1.19.2) started / Sending discover... / Sending select for A...
 *             Lease of A obtained, lease time N / No lease, failing
 *   1.2x-1.32 udhcpc: started, v1.30.1 / udhcpc: sending discover / udhcpc: sending select for A
 *             udhcpc: lease of A obtained, lease time N / udhcpc: no lease, failing
 *   >= 1.33   udhcpc: broadcasting discover / udhcpc: broadcasting select for A, server S
 *             udhcpc: lease of A obtained from S, lease time N[ (default)]
 *
 * "(default)" means the server sent no lease time and udhcpc assumed 3600 s. Lines of the
 * default.script (`/etc/udhcpc.d/50default: Adding DNS ...`) and `ip:` complaints are left alone.
 */
export const udhcpcFactsSchema = z.object({
  leaseObtained: z.boolean(),
  address: z.string().optional(),
  leaseTimeS: z.number().int().nonnegative().optional(),
  server: z.string().optional(),
  version: z.string().optional(),
  /** The interface, when a line names it (the default.script's `deconfig|bound interface=wwan0`). */
  iface: z.string().regex(/^[\w.-]{1,15}$/).optional(),
});
export type UdhcpcFacts = z.infer<typeof udhcpcFactsSchema>;

const ip = String.raw`(\d{1,3}(?:\.\d{1,3}){3})`;
const startedNew = /^started, v(\S+)$/i;
const startedOld = /^udhcpc \(v(\S+)\) started$/i;
const leaseRe = new RegExp(String.raw`^lease of ${ip} obtained(?: from ${ip})?, lease time (\d+)`, "i");
const selectRe = new RegExp(String.raw`^(?:sending|broadcasting) select for ${ip}(?:, server ${ip})?`, "i");
const otherRe =
  /^(?:(?:sending|broadcasting) (?:discover|renew)|sending renew to|no lease, (?:failing|forking to background)|received (?:SIG\w+|DHCP NAK)|lease lost, entering init state|entering released state|unicasting a release|performing a DHCP renew|(?:sending|unicasting) release)/i;

export function parseUdhcpc(text: string): ParseResult<UdhcpcFacts> {
  const result: UdhcpcFacts = { leaseObtained: false };
  let recognised = 0;
  let selectServer: string | undefined;
  const iface = /\binterface=([\w.-]{1,15})(?:\s|$)/.exec(text)?.[1];
  if (iface !== undefined) result.iface = iface;
  for (const raw of text.split(/\r?\n/)) {
    // `udhcpc: msg`, `udhcpc[123]: msg`, or a syslog/logread line ending in one of those.
    const prefixed = /(?:^|\s)udhcpc(?:\[\d+\])?: (.*)$/.exec(raw);
    const message = (prefixed?.[1] ?? raw).trim().replace(/\.\.\.$/, "");
    const version = startedNew.exec(message)?.[1] ?? startedOld.exec(raw.trim())?.[1];
    if (version !== undefined) {
      result.version = version;
      recognised++;
      continue;
    }
    const lease = leaseRe.exec(message);
    if (lease) {
      const leaseTimeS = Number(lease[3]);
      result.leaseObtained = true;
      result.address = lease[1]!;
      if (Number.isSafeInteger(leaseTimeS)) result.leaseTimeS = leaseTimeS;
      else delete result.leaseTimeS;
      const server = lease[2] ?? selectServer;
      if (server !== undefined) result.server = server;
      else delete result.server;
      recognised++;
      continue;
    }
    const select = selectRe.exec(message);
    if (select) {
      selectServer = select[2];
      recognised++;
      continue;
    }
    if (otherRe.test(message)) {
      // A lease that is lost, released or refused later in the same output no longer holds.
      if (/^(no lease|lease lost|entering released|received DHCP NAK)/i.test(message)) {
        result.leaseObtained = false;
        delete result.address;
        delete result.leaseTimeS;
        delete result.server;
      }
      recognised++;
    }
  }
  if (recognised === 0) return notThisKind("No udhcpc message (started, discover, select, lease, no lease).");
  return facts(result);
}

export const udhcpcKind = defineKind({
  kind: "udhcpc",
  source: "udhcpc -i wwan0 -n -q",
  schema: udhcpcFactsSchema,
  parse: parseUdhcpc,
});
