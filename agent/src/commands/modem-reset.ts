import { sleep, systemClock } from "../runtime/clock.ts";
import type { CommandHandler } from "./context.ts";

/**
 * `qmicli --dms-set-operating-mode=reset`: the modem drops off USB and comes back (its control
 * device disappears and returns). Waits for it, up to 90 s; a modem that never returns is a
 * failure the operator must see.
 */
export const modemResetCommand: CommandHandler = async (args, ctx) => {
  const device = typeof args.device === "string" ? args.device : ctx.config.modem.qmiDevice;
  await ctx.exec("qmicli", ["-d", device, "--device-open-proxy", "--dms-set-operating-mode=reset"], { timeoutMs: 20_000 });
  ctx.progress("reset sent; waiting for the modem to come back");
  const deadline = Date.now() + 90_000;
  await sleep(systemClock, 2_000);
  while (Date.now() < deadline && !ctx.signal.aborted) {
    if (await ctx.host.exists(device)) {
      ctx.progress(`${device} is back`);
      return { ok: true, message: `modem reset; ${device} is back` };
    }
    await sleep(systemClock, 2_000);
  }
  return { ok: false, message: `${device} did not come back within 90 s` };
};
