import { closeSync, existsSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import Database from "better-sqlite3";
import { UplinkError } from "../errors.ts";

/**
 * Opening the SQLite file without mistaking damage for a new fleet. SQLite opens a zero-byte or
 * missing file as an empty database, which the server would then run as an empty fleet: every
 * device and token refused, nothing logged. So a marker beside the database records that it once
 * held a fleet, and the file is checked before use.
 */

/** Written beside uplink.db when it is created; `uplink.db*` still names every file of the store. */
export const MARKER_SUFFIX = ".created";

/**
 * Message history: most of the file, and checked only offline. `PRAGMA quick_check` of the whole
 * file reads every page: 4.8 s per GB with the pages cached, 43 s per GB from disk (1 GB of
 * heartbeats, two shared cores); the other tables take under a millisecond.
 */
const HISTORY_TABLES = new Set(["events", "health", "heartbeats"]);

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/** What the directory holds before SQLite touches it. */
export interface SqliteFileFacts {
  /** Bytes, or null when the file does not exist. */
  size: number | null;
  /** The first 100 bytes (the database header), when the file has them. */
  header: Buffer | null;
  /** Bytes of the write-ahead log, or null when there is none. */
  walSize: number | null;
  /** The marker: this directory held a fleet once. */
  marker: boolean;
}

/** Pure: what is wrong with the file before it is opened, or null when SQLite may open it. */
export function diagnoseSqliteFile(f: SqliteFileFacts): string | null {
  const hadFleet = f.marker || (f.walSize ?? 0) > 0;
  if (f.size === null) return hadFleet ? "is missing, but this data directory held a fleet" : null;
  if (f.size === 0) return hadFleet ? "is empty (0 bytes), but this data directory held a fleet" : null;
  if (!f.header || f.header.length < 100) return `is truncated (${f.size} bytes, less than a database header)`;
  if (!f.header.subarray(0, 16).equals(SQLITE_MAGIC)) return "is not a SQLite database (its header is wrong)";
  const rawPageSize = f.header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = f.header.readUInt32BE(28);
  // The header's page count is valid when its change counter matches (SQLite file format, 1.3.7).
  const countValid = pages > 0 && f.header.readUInt32BE(24) === f.header.readUInt32BE(92);
  // A non-empty log may still hold pages a checkpoint had not finished writing: then the file may
  // be short legitimately, and SQLite's own check below decides.
  if (countValid && (f.walSize ?? 0) === 0 && f.size < pages * pageSize) {
    return `is truncated (${f.size} bytes of ${pages * pageSize})`;
  }
  return null;
}

function sizeOf(file: string): number | null {
  try {
    return statSync(file).size;
  } catch {
    return null;
  }
}

function readHeader(file: string): Buffer | null {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(100);
    return buf.subarray(0, readSync(fd, buf, 0, 100, 0));
  } finally {
    closeSync(fd);
  }
}

function damaged(file: string, problem: string): UplinkError {
  const dir = dirname(file);
  const name = basename(file);
  return new UplinkError(
    "UPLINK_STORE_DAMAGED",
    `${file} ${problem}: restore ${name} from a backup (and remove ${name}-wal and ${name}-shm beside it), ` +
      `or move ${dir}/${name}* away to start a new, empty fleet (every device and token is then added again)`,
    { file },
  );
}

/**
 * Opens the store's file: refuses a damaged one (UPLINK_STORE_DAMAGED, with what to do), creates
 * a new one with mode 0600 (its -wal and -shm inherit it: they hold the same secrets' hashes), and
 * writes the marker once the file is known good.
 */
export function openSqliteFile(file: string): Database.Database {
  if (file === ":memory:") return new Database(file);
  const markerFile = `${file}${MARKER_SUFFIX}`;
  const size = sizeOf(file);
  const problem = diagnoseSqliteFile({
    size,
    header: size ? readHeader(file) : null,
    walSize: sizeOf(`${file}-wal`),
    marker: existsSync(markerFile),
  });
  if (problem) throw damaged(file, problem);
  if (size === null) closeSync(openSync(file, "wx", 0o600));

  const db = new Database(file);
  try {
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[];
    for (const table of tables.filter((t) => !HISTORY_TABLES.has(t))) {
      const result = db.pragma(`quick_check(${JSON.stringify(table)})`, { simple: true });
      if (result !== "ok") throw damaged(file, `fails its integrity check (table ${table}: ${String(result)})`);
    }
  } catch (err) {
    db.close();
    if (err instanceof UplinkError) throw err;
    // SQLITE_NOTADB, SQLITE_CORRUPT: a file SQLite cannot read as a database.
    throw damaged(file, `cannot be read (${(err as Error).message})`);
  }
  if (!existsSync(markerFile)) {
    const note = "uplink-server created the store here; it refuses to start over a missing or empty uplink.db while this file exists";
    writeFileSync(markerFile, `${JSON.stringify({ since: new Date().toISOString(), note })}\n`, { mode: 0o600 });
  }
  return db;
}
