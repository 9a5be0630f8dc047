import type { CommandHandler } from "../commands/context.ts";
import { deleteArgs, readDefaultRoutes, replaceArgs } from "../commands/default-routes.ts";

/**
 * Moves a link's default route to another metric, keeping its gateway: the demotion and the
 * promotion of a Wi-Fi without upstream. The new route is added before the old one is removed,
 * so the link is never without one. Internal to healing, not a remote command.
 */
export const setLinkMetricCommand: CommandHandler = async (args, ctx) => {
  const iface = String(args.iface);
  const metric = Number(args.metric);
  const own = (await readDefaultRoutes(ctx)).filter((r) => r.dev === iface);
  const current = own[0];
  if (!current) return { ok: false, message: `${iface} has no default route` };
  if (own.length === 1 && current.metric === metric) return { ok: true, message: `${iface} already at metric ${metric}` };
  await ctx.exec("ip", replaceArgs({ ...current, metric }), { timeoutMs: 5_000 });
  for (const old of own) if (old.metric !== metric) await ctx.exec("ip", deleteArgs(old), { timeoutMs: 5_000, tolerate: true });
  return { ok: true, message: `${iface} default route metric ${current.metric} -> ${metric}` };
};
