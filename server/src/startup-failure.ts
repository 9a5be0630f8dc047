import { isUplinkError, UplinkError } from "./errors.ts";

/**
 * Start-up failures, told in one line with what to do, and exit codes a supervisor can act on
 * (sysexits.h): under systemd, `RestartPreventExitStatus=78` stops restarting a server whose
 * configuration or data needs a human, while a busy port is retried.
 */
export const STARTUP_EXIT = {
  /** Anything unforeseen. */
  failed: 1,
  usage: 2,
  /** EX_UNAVAILABLE: a port or the broker; may pass on a retry. */
  unavailable: 69,
  /** EX_CONFIG: the configuration or the data directory; a retry will not help. */
  config: 78,
} as const;

export type Listener = "http" | "mqtt" | "mqtts" | "metrics";

/** The flag that moves each listener: named in the hint. */
const PORT_FLAGS: Record<Listener, string> = {
  http: "--http-port",
  mqtt: "--mqtt-port",
  mqtts: "--mqtts-port",
  metrics: "--metrics-port",
};

/** A failed `listen` as a coded error naming the listener; anything else unchanged. */
export function listenFailure(err: unknown, listener: Listener, port: number): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const what =
    code === "EADDRINUSE" ? "is in use" : code === "EACCES" ? "needs privileges" : code === "EADDRNOTAVAIL" ? "is on an address this machine does not have" : null;
  if (!what) return err;
  return new UplinkError("UPLINK_PORT_UNAVAILABLE", `${listener} port ${port} ${what}`, { listener, port, reason: code });
}

function hint(err: UplinkError): string {
  if (err.code !== "UPLINK_PORT_UNAVAILABLE") return "";
  const listener = err.context.listener as Listener;
  const flag = PORT_FLAGS[listener] ?? "a port flag";
  if (err.context.reason === "EADDRINUSE") return `: stop the other process or pass ${flag}`;
  if (err.context.reason === "EACCES") return `: pass ${flag} with a port above 1023, or grant CAP_NET_BIND_SERVICE`;
  return `: check the listen address, or pass ${flag}`;
}

/** Pure: the exit code and the one line for stderr. */
export function describeStartupFailure(err: unknown): { exitCode: number; line: string } {
  if (!isUplinkError(err)) return { exitCode: STARTUP_EXIT.failed, line: `uplink-server: ${(err as Error)?.message ?? String(err)}` };
  const exitCode =
    err.code === "UPLINK_CONFIG_INVALID" || err.code === "UPLINK_STORE_DAMAGED"
      ? STARTUP_EXIT.config
      : err.code === "UPLINK_PORT_UNAVAILABLE" || err.code === "UPLINK_BROKER_UNAVAILABLE"
        ? STARTUP_EXIT.unavailable
        : STARTUP_EXIT.failed;
  // One line: a message that spans lines would be split by journald.
  return { exitCode, line: `uplink-server: ${err.code}: ${err.message}${hint(err)}`.replace(/\s*\n\s*/g, " ") };
}
