import type { CommandHandler } from "./context.ts";
import { readDefaultRoutes } from "./default-routes.ts";
import { dhcpRenewCommand } from "./dhcp-renew.ts";

/**
 * The field guide's `ip link set IF up`, then its next step: a link that was down lost its routes
 * with it (the kernel flushes them), so when it has no default route its lease is renewed, and the
 * lease hook puts the route back. Without that the link is up but carries nothing.
 */
export const linkUpCommand: CommandHandler = async (args, ctx) => {
  const iface = String(args.iface);
  await ctx.exec("ip", ["link", "set", "dev", iface, "up"], { timeoutMs: 5_000 });
  if ((await readDefaultRoutes(ctx)).some((r) => r.dev === iface)) return { ok: true, message: `${iface} set up` };
  ctx.progress(`${iface} is up without a default route: renewing its lease`);
  const renewed = await dhcpRenewCommand({ iface }, ctx);
  return { ok: true, message: `${iface} set up; ${renewed.message ?? ""}`.trim(), ...(renewed.result ? { result: renewed.result } : {}) };
};
