import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { addToken, createAuthenticator } from "../../../server/src/auth/credentials.ts";
import { diagnoseSqliteFile } from "../../../server/src/store/sqlite-open.ts";
import { openSqliteStore } from "../../../server/src/store/sqlite-store.ts";
import { ROOT } from "../../helpers/run-bin.ts";
import { tempDir } from "./helpers.ts";

const dirs: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

/** A data directory that holds a fleet: a token and a few hundred history rows, closed cleanly. */
async function fleetDir(): Promise<{ dir: string; db: string; token: string }> {
  const d = tempDir();
  dirs.push(d);
  const db = join(d.dir, "uplink.db");
  const store = openSqliteStore(db);
  const { token } = await addToken(store, "alice");
  for (let i = 1; i <= 300; i++) {
    store.appendEvent("pi-1", new Date().toISOString(), { v: 1, deviceId: "pi-1", bootId: "b", seq: i, ts: new Date().toISOString(), type: "link.up", data: { pad: "x".repeat(200) } } as never);
  }
  store.close();
  return { dir: d.dir, db, token };
}

/** Starts the real bin; resolves when it prints its banner (then stops it) or exits. */
function startBin(dataDir: string): Promise<{ code: number | null; started: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "server/bin/uplink-server.js"), "--data", dataDir, "--http-port", "0", "--mqtt-port", "0"], {
      cwd: ROOT,
      env: { ...process.env, UPLINK_LOG_LEVEL: "warn" },
    });
    let stderr = "";
    let started = false;
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => {
      if (String(d).startsWith("uplink-server: API")) {
        started = true;
        child.kill("SIGTERM");
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, started, stderr });
    });
  });
}

const RESTORE_HINT = /restore uplink\.db from a backup .* or move .*\/uplink\.db\* away to start a new, empty fleet/;

describe("a damaged store at start", () => {
  it("a zero-byte uplink.db: refused with exit 78 and what to do, not started as an empty fleet", async () => {
    const { dir, db } = await fleetDir();
    truncateSync(db, 0);
    const run = await startBin(dir);
    expect(run.started).toBe(false);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain("UPLINK_STORE_DAMAGED");
    expect(run.stderr).toContain("is empty (0 bytes), but this data directory held a fleet");
    expect(run.stderr).toMatch(RESTORE_HINT);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("a truncated uplink.db: refused with exit 78", async () => {
    const { dir, db } = await fleetDir();
    truncateSync(db, Math.floor(statSync(db).size / 2));
    const run = await startBin(dir);
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/UPLINK_STORE_DAMAGED: .*uplink\.db is truncated/);
    expect(run.stderr).toMatch(RESTORE_HINT);
  });

  it("garbage in uplink.db: refused with exit 78", async () => {
    const { dir, db } = await fleetDir();
    writeFileSync(db, randomBytes(statSync(db).size));
    const run = await startBin(dir);
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/UPLINK_STORE_DAMAGED: .*uplink\.db is not a SQLite database/);
  });

  it("a healthy uplink.db still starts, with its tokens", async () => {
    const { dir, db, token } = await fleetDir();
    const run = await startBin(dir);
    expect(run.started).toBe(true);
    expect(run.code).toBe(0);
    const store = openSqliteStore(db);
    expect(await createAuthenticator(store, "s").verifyToken(token)).toBe("alice");
    store.close();
  });

  it("a deleted uplink.db is refused while the marker says the directory held a fleet", async () => {
    const { dir, db } = await fleetDir();
    rmSync(db);
    expect(existsSync(`${db}.created`)).toBe(true);
    expect(() => openSqliteStore(db)).toThrow(/uplink\.db is missing, but this data directory held a fleet/);
  });

  it("damage inside a fleet table that the header does not show is caught by the integrity check", async () => {
    const { db } = await fleetDir();
    const probe = new Database(db, { readonly: true });
    const root = probe.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'tokens'").pluck().get() as number;
    probe.close();
    // Garbage over the tokens table's page: the file's size and header stay right.
    const buf = readFileSync(db);
    const pageSize = buf.readUInt16BE(16);
    randomBytes(pageSize).copy(buf, (root - 1) * pageSize);
    writeFileSync(db, buf);
    expect(() => openSqliteStore(db)).toThrow(/uplink\.db (fails its integrity check|cannot be read)/);
  });

  it("a new data directory, or an empty file left by an interrupted first start, is a new fleet", () => {
    expect(diagnoseSqliteFile({ size: null, header: null, walSize: null, marker: false })).toBeNull();
    expect(diagnoseSqliteFile({ size: 0, header: null, walSize: null, marker: false })).toBeNull();
    expect(diagnoseSqliteFile({ size: 0, header: null, walSize: 4096, marker: false })).toMatch(/held a fleet/);
  });
});
