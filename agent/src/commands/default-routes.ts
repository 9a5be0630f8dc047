import type { CommandContext } from "./context.ts";

export interface DefaultRoute {
  dev: string;
  gateway?: string;
  metric: number;
}

/** The default routes, from `ip -j -4 route show default`; [] when there are none. */
export async function readDefaultRoutes(ctx: CommandContext): Promise<DefaultRoute[]> {
  const result = await ctx.exec("ip", ["-j", "-4", "route", "show", "default"], { timeoutMs: 5_000, tolerate: true });
  try {
    const rows = JSON.parse(result.stdout || "[]") as Record<string, unknown>[];
    return rows
      .filter((r) => typeof r.dev === "string")
      .map((r) => ({
        dev: String(r.dev),
        ...(typeof r.gateway === "string" ? { gateway: r.gateway } : {}),
        metric: typeof r.metric === "number" ? r.metric : 0,
      }));
  } catch {
    return [];
  }
}

/** `ip route replace default [via GW] dev IF metric M` as an argument array. */
export function replaceArgs(route: DefaultRoute): string[] {
  return ["route", "replace", "default", ...(route.gateway ? ["via", route.gateway] : []), "dev", route.dev, "metric", String(route.metric)];
}

export function deleteArgs(route: DefaultRoute): string[] {
  return ["route", "del", "default", "dev", route.dev, "metric", String(route.metric)];
}

/** The metric the config gives a link by its role; cellular's for an unknown link. */
export function configuredMetric(ctx: CommandContext, iface: string): number {
  const { links, preference } = ctx.config;
  return iface === links.wifi ? preference.metrics.wifi : preference.metrics.cellular;
}
