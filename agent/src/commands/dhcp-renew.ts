import type { CommandHandler } from "./context.ts";
import { leaseFromUdhcpc } from "./lease-store.ts";

/** The field guide's `udhcpc -i IF -n -q`: one attempt (-n fails instead of backgrounding), then quit. */
export const dhcpRenewCommand: CommandHandler = async (args, ctx) => {
  const iface = String(args.iface);
  ctx.progress(`requesting a lease on ${iface}`);
  const result = await ctx.exec("udhcpc", ["-i", iface, "-n", "-q"], { timeoutMs: 25_000, tolerate: true });
  const lease = leaseFromUdhcpc(`${result.stdout}\n${result.stderr}`, iface, new Date());
  if (result.exitCode !== 0 || !lease) {
    return { ok: false, message: `no lease on ${iface}${result.missing ? ": udhcpc is not installed" : ""}` };
  }
  ctx.leases.record(lease);
  return { ok: true, message: `lease of ${lease.ip} on ${iface}`, result: { lease } };
};
