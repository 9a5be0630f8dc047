import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Captured outputs by key (`ip.link`, `ping@wlan0`, ...): what the diagnosis reads. */
export type Snapshot = ReadonlyMap<string, string>;

const KEY = /^[a-z0-9][a-z0-9._-]*(@[A-Za-z0-9_.-]+)?$/;

/** Reads a snapshot directory: every `<key>.txt`; other files are ignored. */
export async function readSnapshotDir(dir: string): Promise<Map<string, string>> {
  const snapshot = new Map<string, string>();
  for (const file of await readdir(dir)) {
    if (!file.endsWith(".txt")) continue;
    const key = file.slice(0, -".txt".length);
    if (KEY.test(key)) snapshot.set(key, await readFile(join(dir, file), "utf8"));
  }
  return snapshot;
}

export async function writeSnapshotDir(dir: string, snapshot: Snapshot): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [key, text] of snapshot) {
    if (!KEY.test(key)) throw new Error(`invalid snapshot key "${key}"`);
    await writeFile(join(dir, `${key}.txt`), text);
  }
}
