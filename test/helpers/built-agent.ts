import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./run-bin.ts";

export const BUNDLE = join(ROOT, "agent/dist/uplink-agent.mjs");

/** The built agent: `npm run build` has made it (npm test does), or this makes it now. */
export function ensureBuilt(): string {
  if (!existsSync(BUNDLE)) execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { cwd: ROOT, stdio: "ignore" });
  return BUNDLE;
}

/** Raspberry Pi OS Bookworm's Node.js (Debian's nodejs 18.19.0+dfsg). */
export const NODE18_VERSION = "18.19.0";

/**
 * A Node 18.19 binary from the npm registry (the `node-linux-<arch>` package the `node` package
 * installs; `npm pack` fetches it without running anything), kept in node_modules/.cache so that
 * it is fetched once per checkout. Returns the path of its `node`.
 */
export function node18(): string {
  const arch = process.arch === "x64" ? "x64" : process.arch;
  const dir = join(ROOT, "node_modules/.cache/uplink-node18", `${NODE18_VERSION}-linux-${arch}`);
  const bin = join(dir, "bin/node");
  if (existsSync(bin)) return bin;
  mkdirSync(join(dir, ".."), { recursive: true });
  // Fetched and unpacked beside, then renamed: two test files asking at once both get a whole one.
  const work = mkdtempSync(`${dir}.tmp-`);
  try {
    const r = spawnSync("npm", ["pack", `node-linux-${arch}@${NODE18_VERSION}`, "--pack-destination", work, "--silent"], { cwd: work, encoding: "utf8", timeout: 300_000 });
    if (r.status !== 0) throw new Error(`npm pack node-linux-${arch}@${NODE18_VERSION}: ${r.stderr}`);
    const tgz = r.stdout.trim().split("\n").pop()!;
    execFileSync("tar", ["-xzf", join(work, tgz), "-C", work]);
    if (!statSync(join(work, "package/bin/node")).isFile()) throw new Error("no bin/node in the package");
    try {
      renameSync(join(work, "package"), dir);
    } catch (err) {
      if (!existsSync(bin)) throw err;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}
