import type { CommandHandler } from "./context.ts";

/** Loss and average round trip from iputils' or busybox's summary lines. Pure. */
export function pingSummary(text: string): { lossPct?: number; rttAvgMs?: number } {
  const loss = /(\d+(?:\.\d+)?)% packet loss/.exec(text);
  const rtt = /(?:rtt|round-trip) min\/avg\/max(?:\/mdev)? = [\d.]+\/([\d.]+)\//.exec(text);
  return { ...(loss ? { lossPct: Number(loss[1]) } : {}), ...(rtt ? { rttAvgMs: Number(rtt[1]) } : {}) };
}

export const pingCommand: CommandHandler = async (args, ctx) => {
  const count = typeof args.count === "number" ? args.count : 3;
  const iface = typeof args.iface === "string" ? args.iface : undefined;
  const target = String(args.target);
  const result = await ctx.exec("ping", ["-c", String(count), "-i", "0.2", "-W", "2", ...(iface ? ["-I", iface] : []), target], {
    timeoutMs: (count * 3 + 5) * 1000,
    tolerate: true,
  });
  const summary = pingSummary(`${result.stdout}\n${result.stderr}`);
  const ok = result.exitCode === 0;
  return { ok, message: ok ? `${target} answers` : `${target} does not answer${iface ? ` through ${iface}` : ""}`, result: summary };
};
