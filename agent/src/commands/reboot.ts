import type { CommandHandler } from "./context.ts";

/** The last rung of the healing ladder, and only when the config enables it. Not a remote command. */
export const rebootCommand: CommandHandler = async (_args, ctx) => {
  await ctx.exec("systemctl", ["reboot"], { timeoutMs: 10_000 });
  return { ok: true, message: "reboot requested" };
};
