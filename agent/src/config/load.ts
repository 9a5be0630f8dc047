import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { AgentError } from "../errors.ts";
import { applyEnvOverrides } from "./env-overrides.ts";
import { configSchema, type AgentConfig } from "./schema.ts";

export type ConfigCheck = { ok: true; config: AgentConfig } | { ok: false; errors: string[] };

/** Validates a parsed config (after env overrides); every issue as `path: why`. Pure. */
export function checkConfig(raw: unknown, env: Readonly<Record<string, string | undefined>> = {}): ConfigCheck {
  const parsed = configSchema.safeParse(applyEnvOverrides(raw, env));
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const path = issue.path.length ? issue.path.map(String).join(".") : "(root)";
      return `${path}: ${issue.message}`;
    }),
  };
}

/** Parses YAML or JSON text (YAML is a superset, but JSON files get JSON's clearer errors). */
export function parseConfigText(text: string, path: string): unknown {
  try {
    return path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new AgentError("UPLINK_CONFIG_UNREADABLE", `${path}: ${(err as Error).message}`, { path });
  }
}

/** Reads, overrides from the environment and validates; throws a coded error naming every bad field. */
export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new AgentError("UPLINK_CONFIG_UNREADABLE", `${path}: ${(err as Error).message}`, { path });
  }
  const check = checkConfig(parseConfigText(text, path), env);
  if (!check.ok) {
    throw new AgentError("UPLINK_CONFIG_INVALID", `${path}: ${check.errors.join("; ")}`, {
      path,
      errors: check.errors,
    });
  }
  return check.config;
}
