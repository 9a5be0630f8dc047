import { z } from "zod";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `ping -c 3 -I wwan0 8.8.8.8`, iputils or BusyBox:
 *
 *   iputils  3 packets transmitted, 3 received, 0% packet loss, time 2040ms
 *            rtt min/avg/max/mdev = 0.062/0.179/0.401/0.156 ms
 *   BusyBox  3 packets transmitted, 3 packets received, 0% packet loss
 *            round-trip min/avg/max = 0.097/0.386/0.962 ms
 *
 * When ping cannot even send, it says why on a `ping: ` line and that is the error fact:
 * `ping: connect: Network is unreachable` (iputils, no route), `ping: sendto: Network is
 * unreachable` (BusyBox), `ping: SO_BINDTODEVICE wwan1: No such device` (no such interface),
 * `ping: unknown host X` (old iputils), `ping: X: Name or service not known` / `Temporary failure
 * in name resolution` (new iputils), `ping: bad address 'X'` (BusyBox). Nothing was sent then:
 * transmitted 0, loss 100%.
 */
export const pingFactsSchema = z.object({
  target: z.string().min(1).optional(),
  transmitted: z.number().int().nonnegative(),
  received: z.number().int().nonnegative(),
  lossPercent: z.number().min(0).max(100),
  rttMinMs: z.number().nonnegative().optional(),
  rttAvgMs: z.number().nonnegative().optional(),
  rttMaxMs: z.number().nonnegative().optional(),
  error: z.object({ message: z.string().min(1) }).optional(),
});
export type PingFacts = z.infer<typeof pingFactsSchema>;

const headerRe = /^PING (\S+) \(/;
const statsRe = /(\d+) packets transmitted, (\d+)(?: packets)? received,(?: \+\d+ duplicates,)?(?: \+\d+ errors,)? (\d+(?:\.\d+)?)% packet loss/;
const rttRe = /(?:rtt|round-trip) min\/avg\/max(?:\/mdev)? = (\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)/;
const errorRe = /^ping: (.+)$/;

function targetOfError(message: string): string | undefined {
  return (
    /^bad address '([^']+)'/.exec(message)?.[1] ??
    /^unknown host (\S+)/.exec(message)?.[1] ??
    /^([^\s:]+): (?:Name or service not known|Temporary failure in name resolution|No address associated with hostname)/.exec(message)?.[1]
  );
}

export function parsePing(text: string): ParseResult<PingFacts> {
  let target: string | undefined;
  let stats: RegExpExecArray | null = null;
  let rtt: RegExpExecArray | null = null;
  let error: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    target ??= headerRe.exec(line)?.[1];
    stats = statsRe.exec(line) ?? stats;
    rtt = rttRe.exec(line) ?? rtt;
    const message = errorRe.exec(line)?.[1]?.trim();
    if (message && error === undefined) error = message;
  }
  if (!stats && error === undefined) return notThisKind("No ping statistics and no `ping: ` error line.");
  const result: PingFacts = { transmitted: 0, received: 0, lossPercent: 100 };
  if (stats) {
    result.transmitted = Number(stats[1]);
    result.received = Number(stats[2]);
    result.lossPercent = Math.min(100, Number(stats[3]));
    if (!Number.isSafeInteger(result.transmitted) || !Number.isSafeInteger(result.received)) {
      return notThisKind("Packet counts beyond any ping run.");
    }
  }
  if (rtt && [rtt[1], rtt[2], rtt[3]].every((v) => Number.isFinite(Number(v)))) {
    result.rttMinMs = Number(rtt[1]);
    result.rttAvgMs = Number(rtt[2]);
    result.rttMaxMs = Number(rtt[3]);
  }
  if (error !== undefined) {
    result.error = { message: `ping: ${error}` };
    target ??= targetOfError(error);
  }
  if (target !== undefined) result.target = target;
  return facts(result);
}

export const pingKind = defineKind({
  kind: "ping",
  source: "ping -c 3 -W 2 -I wwan0 8.8.8.8",
  schema: pingFactsSchema,
  parse: parsePing,
});
