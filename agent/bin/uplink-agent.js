#!/usr/bin/env node
// Runs the built agent (agent/dist/uplink-agent.mjs, `npm run build`) when it is there and newer
// than every source file, else the TypeScript sources through tsx, resolved from this package, so
// that the bin works from any working directory and an edit is never hidden by an old build.
// UPLINK_FROM_SOURCE=1 runs the sources even so. UPLINK_REQUIRE_BUILD=1 (npm test, which builds
// first) runs the build whatever its age and refuses to run without one, so that the suites test
// what ships, and a source edited during a long run does not switch the agents it starts to tsx.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const built = new URL("../dist/uplink-agent.mjs", import.meta.url);
const sources = ["../src", "../../shared/src"].map((d) => fileURLToPath(new URL(d, import.meta.url)));

/** A source file newer than the build, if any. */
function newerSource(builtAt) {
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const found = e.isDirectory() ? walk(p) : statSync(p).mtimeMs > builtAt ? p : undefined;
      if (found) return found;
    }
    return undefined;
  };
  for (const dir of sources) {
    const found = existsSync(dir) ? walk(dir) : undefined;
    if (found) return found;
  }
  return undefined;
}

let useBuild = false;
if (process.env.UPLINK_REQUIRE_BUILD === "1" && existsSync(built)) {
  useBuild = true;
} else if (process.env.UPLINK_FROM_SOURCE !== "1" && existsSync(built)) {
  useBuild = newerSource(statSync(built).mtimeMs) === undefined;
} else if (process.env.UPLINK_REQUIRE_BUILD === "1") {
  process.stderr.write("uplink-agent: no agent/dist/uplink-agent.mjs (UPLINK_REQUIRE_BUILD=1): npm run build\n");
  process.exit(70);
}
if (useBuild) {
  // Stack traces from the bundle name the TypeScript file and line (its source map).
  process.setSourceMapsEnabled(true);
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import("../src/cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
}
