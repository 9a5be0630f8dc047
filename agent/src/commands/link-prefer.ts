import type { CommandHandler } from "./context.ts";
import { deleteArgs, readDefaultRoutes, replaceArgs } from "./default-routes.ts";

/**
 * Gives the link's default route a metric below every other default route, so the kernel sends
 * traffic through it; the route keeps its gateway. Undo puts the old metric back.
 */
export const linkPreferCommand: CommandHandler = async (args, ctx) => {
  const iface = String(args.iface);
  const routes = await readDefaultRoutes(ctx);
  const own = routes.find((r) => r.dev === iface);
  if (!own) return { ok: false, message: `${iface} has no default route to prefer` };
  const others = routes.filter((r) => r.dev !== iface).map((r) => r.metric);
  const lowestOther = others.length ? Math.min(...others) : Number.POSITIVE_INFINITY;
  if (own.metric < lowestOther) return { ok: true, message: `${iface} is already preferred (metric ${own.metric})` };
  const metric = Math.max(0, lowestOther - 1);
  const preferred = { ...own, metric };
  // Add the new route before removing the old one: the link never has no default route.
  await ctx.exec("ip", replaceArgs(preferred), { timeoutMs: 5_000 });
  await ctx.exec("ip", deleteArgs(own), { timeoutMs: 5_000, tolerate: true });
  return {
    ok: true,
    message: `${iface} preferred: metric ${own.metric} -> ${metric}`,
    result: { iface, fromMetric: own.metric, toMetric: metric },
    undo: async () => {
      await ctx.exec("ip", replaceArgs(own), { timeoutMs: 5_000 });
      await ctx.exec("ip", deleteArgs(preferred), { timeoutMs: 5_000, tolerate: true });
    },
  };
};
