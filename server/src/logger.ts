import { destination, pino, type Logger } from "pino";

/** The root logger: JSON lines on stderr (stdout stays for what a command prints), level from UPLINK_LOG_LEVEL. */
export function createLogger(level = process.env.UPLINK_LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { service: "uplink-server" } }, destination(2));
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
