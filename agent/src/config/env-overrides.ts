import { configSchema } from "./schema.ts";

/**
 * `UPLINK_*` environment variables override the file, so that a secret can come from a systemd
 * credential or a container's environment instead of sitting in the config. The name is the
 * config path in upper snake case, levels joined by `__`: `UPLINK_BROKER__PASSWORD`,
 * `UPLINK_LINKS__WIFI`. The short names of the common fields work too (`UPLINK_DEVICE_ID`,
 * `UPLINK_BROKER_URL`).
 */
const SHORT_NAMES: Record<string, string[]> = {
  UPLINK_DEVICE_ID: ["deviceId"],
  UPLINK_BROKER_URL: ["broker", "url"],
  UPLINK_BROKER_USERNAME: ["broker", "username"],
  UPLINK_BROKER_PASSWORD: ["broker", "password"],
  UPLINK_TOPIC_ROOT: ["topicRoot"],
  UPLINK_DATA_DIR: ["dataDir"],
  UPLINK_LOG_LEVEL: ["logLevel"],
};

function camel(snake: string): string {
  return snake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The agent's top-level settings: an `UPLINK_*` name outside them is the server's or the CLI's. */
const SETTINGS = new Set(Object.keys(configSchema.shape));

/**
 * The config path an environment variable names, or null when it is not one of the agent's
 * (`UPLINK_SERVER` and `UPLINK_TOKEN` are the operators' CLI's, and must not stop the agent).
 */
export function envPath(name: string): string[] | null {
  if (Object.hasOwn(SHORT_NAMES, name)) return SHORT_NAMES[name]!;
  if (!name.startsWith("UPLINK_")) return null;
  const levels = name.slice("UPLINK_".length).split("__");
  if (levels.some((l) => !/^[A-Z0-9]+(_[A-Z0-9]+)*$/.test(l))) return null;
  const path = levels.map(camel);
  return SETTINGS.has(path[0]!) ? path : null;
}

/** A value as typed: JSON when it parses (numbers, booleans, arrays), the plain string otherwise. */
function typed(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * The order overrides apply in (a later one wins where two name one field: UPLINK_BROKER__PASSWORD
 * before UPLINK_BROKER_PASSWORD): the order `localeCompare` gave the names, for the characters an
 * override's name can hold (A-Z, 0-9, _: "_" before digits before letters), without loading ICU's
 * collation data (~3 MB of the agent's RSS) for it.
 */
function collate(a: string, b: string): number {
  const key = (s: string) => s.replaceAll("_", "\u0001");
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Returns a copy of `raw` with every UPLINK_* variable applied; pure. */
export function applyEnvOverrides(raw: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  const root: Record<string, unknown> =
    raw && typeof raw === "object" && !Array.isArray(raw) ? structuredClone(raw as Record<string, unknown>) : {};
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => collate(a, b))) {
    if (value === undefined) continue;
    const path = envPath(name);
    if (!path) continue;
    let node = root;
    for (const level of path.slice(0, -1)) {
      const next = node[level];
      if (!next || typeof next !== "object" || Array.isArray(next)) node[level] = {};
      node = node[level] as Record<string, unknown>;
    }
    // Strings stay strings where the schema wants one: a password "123" must not become 123.
    const last = path[path.length - 1]!;
    node[last] = ["password", "username", "deviceId", "apn", "url"].includes(last) ? value : typed(value);
  }
  return root;
}
