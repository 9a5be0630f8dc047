import { appendFileSync, closeSync, fdatasyncSync, fchmodSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The file operations the agent's stores use, and nothing else: the one seam where a test puts a
 * disk that fails (EROFS, ENOSPC, EIO) without needing root or a real read-only mount.
 */
export interface Disk {
  /** The file's text; null when it does not exist. Throws on any other error. */
  read(path: string): string | null;
  /** Appends; with `sync`, fdatasync before returning. Creates the file (0600). Throws on error. */
  append(path: string, text: string, sync: boolean): void;
  /** Replaces the file whole (temp file, fdatasync, rename), creating its directory. Throws on error. */
  replace(path: string, text: string): void;
}

/**
 * Owner read-write only: these files hold the fleet's messages, command answers and leases, and
 * the unit's UMask is 0022 (resolv.conf, which the agent also writes, must stay world-readable).
 */
export const STORE_FILE_MODE = 0o600;

export const nodeDisk: Disk = {
  read(path) {
    try {
      return readFileSync(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  },

  append(path, text, sync) {
    const fd = openSync(path, "a", STORE_FILE_MODE);
    try {
      appendFileSync(fd, text);
      if (sync) fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },

  replace(path, text) {
    makeDir(dirname(path));
    const tmp = `${path}.tmp`;
    try {
      const fd = openSync(tmp, "w", STORE_FILE_MODE);
      try {
        // A temp file left by an older agent keeps its old mode when reopened: set it.
        fchmodSync(fd, STORE_FILE_MODE);
        writeFileSync(fd, text);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
      // A cut before the rename leaves the old file, which replays the same.
      renameSync(tmp, path);
    } catch (err) {
      // A half-written temp file on a full disk holds the space the next try needs.
      try {
        rmSync(tmp, { force: true });
      } catch {
        // read-only: nothing was written either
      }
      throw err;
    }
  },
};

/**
 * `mkdir -p`. Node's recursive mkdir says ENOENT when the parent is read-only; a plain mkdir of the
 * last level says why (EROFS, EACCES), which is what the heartbeat should report.
 */
function makeDir(dir: string) {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    mkdirSync(dir);
  }
}

/** `EROFS: read-only file system, open '/var/lib/uplink/outbox.jsonl'`, for a report or a log. */
export function ioError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e?.message ?? String(err)).slice(0, 300);
}
