import type { CommandContext, CommandHandler } from "./context.ts";
import { dhcpRenewCommand } from "./dhcp-renew.ts";
import { configuredMetric, deleteArgs, readDefaultRoutes, replaceArgs, type DefaultRoute } from "./default-routes.ts";

/**
 * The gateway of a link: the argument, else the recorded lease's router, else the gateway its
 * default route already has. A raw-IP point-to-point link (wwan0) needs none: `default dev wwan0`.
 */
async function gatewayOf(ctx: CommandContext, iface: string, given: unknown, routes: DefaultRoute[]): Promise<string | undefined> {
  if (typeof given === "string") return given;
  return ctx.leases.get(iface)?.router ?? routes.find((r) => r.dev === iface && r.gateway)?.gateway;
}

export const routeReplaceCommand: CommandHandler = async (args, ctx) => {
  const iface = String(args.iface);
  const metric = typeof args.metric === "number" ? args.metric : configuredMetric(ctx, iface);
  const before = await readDefaultRoutes(ctx);
  let gateway = await gatewayOf(ctx, iface, args.gateway, before);
  if (!gateway) {
    // Nothing recorded names the gateway (the route is gone and the lease was not ours): ask DHCP.
    ctx.progress(`no known gateway on ${iface}: renewing its lease`);
    await dhcpRenewCommand({ iface }, ctx);
    // The lease names it; else the route the lease hook just added does.
    gateway = ctx.leases.get(iface)?.router ?? (await readDefaultRoutes(ctx)).find((r) => r.dev === iface && r.gateway)?.gateway;
  }
  const route: DefaultRoute = { dev: iface, metric, ...(gateway ? { gateway } : {}) };
  await ctx.exec("ip", replaceArgs(route), { timeoutMs: 5_000 });
  // replace swaps the default of the same metric, whichever link it went through: put that back on undo.
  const replaced = before.find((r) => r.metric === metric);
  return {
    ok: true,
    message: `default route via ${gateway ?? iface} dev ${iface} metric ${metric}`,
    result: { route, replaced: replaced ?? null },
    undo: async () => {
      if (replaced) await ctx.exec("ip", replaceArgs(replaced), { timeoutMs: 5_000 });
      else await ctx.exec("ip", deleteArgs(route), { timeoutMs: 5_000, tolerate: true });
    },
  };
};
