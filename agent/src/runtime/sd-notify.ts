import type { Host } from "../host/host.ts";
import type { Clock } from "./clock.ts";

/**
 * systemd's watchdog for the agent. The protocol is one datagram on the unix socket named by
 * NOTIFY_SOCKET, and Node has no unix datagram sockets (dgram is UDP only, net is stream only:
 * connecting a stream to that socket fails with EPROTOTYPE). Rather than a native module, each
 * ping runs `systemd-notify --pid=<our pid> WATCHDOG=1`; the unit sets NotifyAccess=all so that
 * systemd takes the message from that child. systemd-notify (252, Bookworm) sends
 * `MAINPID=<pid>\nWATCHDOG=1`, then a BARRIER=1 and waits until systemd has processed it, so the
 * child does not exit before systemd could attribute it to our unit.
 */
export interface NotifySettings {
  socket: string;
  /** Half of WATCHDOG_USEC: systemd's own advice for the ping interval. Null: no watchdog. */
  pingEveryMs: number | null;
}

/** What the service manager asks of this process, from its environment; null when not under systemd. Pure. */
export function notifySettings(env: Readonly<Record<string, string | undefined>>, pid: number): NotifySettings | null {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return null;
  const usec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID names the process the watchdog is for; a child that inherited it must not ping.
  const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === pid;
  const pingEveryMs = Number.isInteger(usec) && usec > 0 && forUs ? Math.max(1, Math.floor(usec / 2000)) : null;
  return { socket, pingEveryMs };
}

export interface WatchdogLog {
  warn(obj: object, msg: string): void;
}

export interface Watchdog {
  stop(): void;
}

/**
 * Pings systemd's watchdog while the event loop turns: a wedged loop misses its pings and systemd
 * restarts the agent. Does nothing outside systemd or without WatchdogSec=.
 */
export function startWatchdog(deps: {
  env: Readonly<Record<string, string | undefined>>;
  pid: number;
  host: Host;
  clock: Clock;
  log: WatchdogLog;
}): Watchdog {
  const settings = notifySettings(deps.env, deps.pid);
  const every = settings?.pingEveryMs ?? null;
  if (every === null) return { stop() {} };
  let timer: unknown = null;
  let stopped = false;
  let warned = false;
  const ping = async () => {
    const r = await deps.host
      .run("systemd-notify", [`--pid=${deps.pid}`, "WATCHDOG=1"], { timeoutMs: 5_000 })
      .catch((err: unknown) => ({ exitCode: -1, stdout: "", stderr: String(err), missing: false }));
    if (r.exitCode !== 0 && !warned) {
      // Said once: systemd will restart us at the deadline, and the journal should say why.
      warned = true;
      deps.log.warn(
        { event: "watchdog.ping-failed", exitCode: r.exitCode, missing: r.missing === true, stderr: r.stderr.slice(0, 300) },
        "systemd-notify failed: the watchdog will restart the agent",
      );
    }
  };
  const tick = () => {
    void ping().finally(() => {
      if (!stopped) timer = deps.clock.setTimeout(tick, every);
    });
  };
  tick();
  return {
    stop() {
      stopped = true;
      if (timer !== null) deps.clock.clearTimeout(timer);
    },
  };
}
