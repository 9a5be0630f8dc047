import type { CommandHandler } from "./context.ts";

const DEFAULT_PROFILE = "/etc/qmi-network.conf";

/**
 * `qmi-network DEV stop` then `start`. qmi-network reads the APN from its profile file
 * (APN=..., and PROXY=yes so it shares the device with qmicli through qmi-proxy); the agent
 * writes that file when an APN is configured or given, and names it with --profile when it is
 * not the default path.
 */
export const qmiRestartCommand: CommandHandler = async (args, ctx) => {
  const device = typeof args.device === "string" ? args.device : ctx.config.modem.qmiDevice;
  const apn = typeof args.apn === "string" ? args.apn : ctx.config.modem.apn;
  const profile = ctx.config.modem.profilePath;
  if (apn) {
    await ctx.host.writeFileAtomic(profile, `APN=${apn}\nPROXY=yes\n`);
    ctx.progress(`wrote ${profile} with APN ${apn}`);
  }
  const options = profile === DEFAULT_PROFILE ? [] : [`--profile=${profile}`];
  // Stopping a session that is already down fails: that is fine, the point is a fresh start.
  await ctx.exec("qmi-network", [...options, device, "stop"], { timeoutMs: 30_000, tolerate: true });
  ctx.progress("session stopped");
  const start = await ctx.exec("qmi-network", [...options, device, "start"], { timeoutMs: 60_000, tolerate: true });
  if (start.exitCode !== 0) return { ok: false, message: `qmi-network ${device} start failed (exit ${start.exitCode})` };
  ctx.progress("session started");
  return { ok: true, message: `packet data session restarted on ${device}`, result: { device, ...(apn ? { apn } : {}) } };
};
