// Which code the server's bins run: the build (server/dist, `npm run build`) when it is there and
// newer than every source file of server/ and shared/, else the TypeScript sources through tsx, so
// that an edit is never hidden by an old build. UPLINK_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

function newerSource(dirs, builtAt) {
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory() ? walk(p) : statSync(p).mtimeMs > builtAt) return true;
    }
    return false;
  };
  return dirs.some((d) => existsSync(d) && walk(d));
}

/** The module to import: `../dist/<name>.mjs` when current, else `../src/<source>` through tsx. */
export async function load(name, source) {
  const built = new URL(`../dist/${name}.mjs`, import.meta.url);
  const dirs = ["../src", "../../shared/src"].map((d) => fileURLToPath(new URL(d, import.meta.url)));
  if (process.env.UPLINK_FROM_SOURCE !== "1" && existsSync(built) && !newerSource(dirs, statSync(built).mtimeMs)) {
    // Stack traces from the bundle name the TypeScript file and line (its source map).
    process.setSourceMapsEnabled(true);
    return import(built.href);
  }
  const { register } = await import("tsx/esm/api");
  register();
  return import(new URL(`../src/${source}`, import.meta.url).href);
}
