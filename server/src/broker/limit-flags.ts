import { UplinkError } from "../errors.ts";
import type { BrokerLimits } from "./limits.ts";

/** `uplink-server`'s flags for the embedded broker's bounds (limits.ts), each with its environment variable. */
const FLAGS = {
  "mqtt-max-connections": { env: "UPLINK_MQTT_MAX_CONNECTIONS", key: "maxConnections", scale: 1, min: 1 },
  "mqtt-connect-timeout-s": { env: "UPLINK_MQTT_CONNECT_TIMEOUT_S", key: "connectTimeoutMs", scale: 1000, min: 1 },
  "mqtt-auth-concurrency": { env: "UPLINK_MQTT_AUTH_CONCURRENCY", key: "authConcurrency", scale: 1, min: 1 },
  "mqtt-auth-queue": { env: "UPLINK_MQTT_AUTH_QUEUE", key: "authQueue", scale: 1, min: 0 },
  "mqtt-auth-failures-per-minute": { env: "UPLINK_MQTT_AUTH_FAILURES_PER_MINUTE", key: "authFailuresPerMinute", scale: 1, min: 0 },
} as const satisfies Record<string, { env: string; key: keyof BrokerLimits; scale: number; min: number }>;

type Flag = keyof typeof FLAGS;

export const BROKER_LIMIT_OPTIONS = Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: "string" as const }])) as Record<Flag, { type: "string" }>;

export const BROKER_LIMITS_USAGE = `  --mqtt-max-connections N  MQTT sockets open at once, plain and TLS (env UPLINK_MQTT_MAX_CONNECTIONS;
                     default 20000, or the open files limit less 1024 when lower)
  --mqtt-connect-timeout-s S  a socket without a whole CONNECT (or TLS handshake) by then is closed
                     (env UPLINK_MQTT_CONNECT_TIMEOUT_S; default 10)
  --mqtt-auth-concurrency N  password checks (scrypt) at once (env UPLINK_MQTT_AUTH_CONCURRENCY; default 2)
  --mqtt-auth-queue N  checks waiting; past it "server unavailable" (env UPLINK_MQTT_AUTH_QUEUE; default 100)
  --mqtt-auth-failures-per-minute N  failed logins per source address before it is refused unchecked
                     (env UPLINK_MQTT_AUTH_FAILURES_PER_MINUTE; default 30; 0: no limit)
`;

/** The bounds given on the command line or in the environment (a flag wins); the rest keep their defaults. */
export function brokerLimitsFrom(values: Partial<Record<string, unknown>>, env: NodeJS.ProcessEnv): Partial<BrokerLimits> {
  const limits: Partial<BrokerLimits> = {};
  for (const [flag, spec] of Object.entries(FLAGS)) {
    const raw = (values[flag] as string | undefined) ?? (env[spec.env] || undefined);
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < spec.min) throw new UplinkError("UPLINK_CONFIG_INVALID", `--${flag}: not a whole number of at least ${spec.min}: ${raw}`);
    limits[spec.key] = n * spec.scale;
  }
  return limits;
}
