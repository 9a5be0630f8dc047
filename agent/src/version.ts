import { readFileSync } from "node:fs";

// Set by scripts/build.mjs (esbuild `define`) in the bundle; from source, agent/package.json says.
declare const __UPLINK_AGENT_VERSION__: string | undefined;

/** The agent's version: the bundle's, fixed at build time, or agent/package.json's. */
export function agentVersion(): string {
  if (typeof __UPLINK_AGENT_VERSION__ === "string") return __UPLINK_AGENT_VERSION__;
  return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
}
