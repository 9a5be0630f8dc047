import type { CommandHandler } from "./context.ts";

export const linkUpCommand: CommandHandler = async (args, ctx) => {
  const iface = String(args.iface);
  await ctx.exec("ip", ["link", "set", "dev", iface, "up"], { timeoutMs: 5_000 });
  return { ok: true, message: `${iface} set up` };
};
