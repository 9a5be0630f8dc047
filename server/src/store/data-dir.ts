import { chmodSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { MARKER_SUFFIX } from "./sqlite-open.ts";

/**
 * The data directory holds every device's password hash, every operator token's hash and the
 * fleet's history: only the server's user may read it. New files are made 0600 where they are
 * created (sqlite-open.ts, demo.ts); this is for what an older version or a copy left looser.
 */

export const DB_FILE = "uplink.db";

/** The store's files and the others the server writes there with secrets in them. */
export function secretFiles(dir: string): string[] {
  const db = join(dir, DB_FILE);
  return [db, `${db}-wal`, `${db}-shm`, `${db}${MARKER_SUFFIX}`, join(dir, "demo-credentials.json")];
}

export interface ModeFinding {
  path: string;
  mode: number;
  /** What was done about it: the directory is the operator's (backups, a group), so only told. */
  action: "tightened" | "warned" | "could-not-tighten";
}

function modeOf(path: string): number | null {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return null;
  }
}

/** `0644` */
export function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, "0")}`;
}

/**
 * Creates the directory 0700 when missing; tightens the server's own files that others may read
 * to 0600 and reports each, and a directory others may enter (left as it is).
 */
export function secureDataDir(dir: string): ModeFinding[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const findings: ModeFinding[] = [];
  const dirMode = modeOf(dir);
  if (dirMode !== null && dirMode & 0o077) findings.push({ path: dir, mode: dirMode, action: "warned" });
  for (const file of secretFiles(dir)) {
    const mode = modeOf(file);
    if (mode === null || !(mode & 0o077)) continue;
    try {
      chmodSync(file, 0o600);
      findings.push({ path: file, mode, action: "tightened" });
    } catch {
      findings.push({ path: file, mode, action: "could-not-tighten" });
    }
  }
  return findings;
}
