import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Outbox } from "../../../agent/src/outbox/outbox.ts";
import { StorageHealth } from "../../../agent/src/storage/storage-health.ts";
import { failingDisk, manualClock, recordingLog } from "../../helpers/failing-disk.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "outbox-ro-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (seq: number, cls: "event" | "heartbeat" | "response" = "event") => ({ id: `boot-a:${seq}`, cls, topic: "t", payload: `{"seq":${seq}}`, retain: false });
const ids = (o: Outbox) => o.pending().map((e) => e.id);

function rig(maxEntries = 100) {
  const disk = failingDisk();
  const clock = manualClock();
  const { log, lines } = recordingLog();
  const storage = new StorageHealth({ clock, log, retryMs: 30_000 });
  const path = join(dir, "outbox.jsonl");
  const open = () => Outbox.open(path, { maxEntries, disk, storage });
  return { disk, clock, lines, storage, path, open };
}

describe("the outbox on a data dir that stops taking writes", () => {
  it("keeps taking messages in memory when the data dir turns read-only", () => {
    const r = rig();
    const o = r.open();
    o.add(entry(1));
    r.disk.writes = "EROFS";
    expect(() => {
      o.add(entry(2));
      o.add(entry(3, "response"));
      o.done("boot-a:1");
    }).not.toThrow();
    expect(ids(o)).toEqual(["boot-a:2", "boot-a:3"]);
    expect(r.storage.report()).toMatchObject({ ok: false, path: r.path, error: expect.stringMatching(/EROFS/), since: expect.any(String) });
  });

  it("logs one line when it degrades and one when it recovers, not one per message", () => {
    const r = rig();
    const o = r.open();
    r.disk.writes = "ENOSPC";
    for (let s = 1; s <= 50; s++) {
      o.add(entry(s));
      r.clock.advance(1_000);
    }
    r.disk.writes = null;
    r.clock.advance(30_000);
    o.add(entry(51));
    const storageLines = r.lines.filter((l) => l.level !== "debug" && String(l.event).startsWith("storage."));
    expect(storageLines.map((l) => l.event)).toEqual(["storage.degraded", "storage.recovered"]);
    expect(storageLines[0]).toMatchObject({ level: "warn", path: r.path, error: expect.stringMatching(/ENOSPC/) });
  });

  it("tries the disk again only after its backoff, not on every message", () => {
    const r = rig();
    const o = r.open();
    r.disk.writes = "EIO";
    o.add(entry(1));
    const attempts = r.disk.writeAttempts;
    for (let s = 2; s <= 20; s++) o.add(entry(s));
    expect(r.disk.writeAttempts).toBe(attempts);
    r.clock.advance(30_000);
    o.add(entry(21));
    expect(r.disk.writeAttempts).toBe(attempts + 1);
  });

  it("writes what it held in memory when the disk takes writes again, so a restart loses nothing", () => {
    const r = rig();
    const o = r.open();
    o.add(entry(1));
    o.add(entry(2));
    r.disk.writes = "EROFS";
    o.done("boot-a:1");
    for (let s = 3; s <= 6; s++) o.add(entry(s));
    r.disk.writes = null;
    r.clock.advance(30_000);
    o.add(entry(7));
    expect(r.storage.report()).toEqual({ ok: true });
    expect(ids(r.open())).toEqual(["boot-a:2", "boot-a:3", "boot-a:4", "boot-a:5", "boot-a:6", "boot-a:7"]);
  });

  it("recovers on the health timer when nothing is written", () => {
    const r = rig();
    const o = r.open();
    r.disk.writes = "EROFS";
    o.add(entry(1));
    r.storage.start();
    r.disk.writes = null;
    r.clock.advance(30_000);
    expect(r.storage.ok).toBe(true);
    expect(ids(r.open())).toEqual(["boot-a:1"]);
    r.storage.stop();
  });

  it("stays within maxEntries and sheds heartbeats first while memory-only", () => {
    const r = rig(10);
    const o = r.open();
    r.disk.writes = "EROFS";
    for (let s = 1; s <= 30; s++) o.add(entry(s, s % 3 === 0 ? "event" : "heartbeat"));
    expect(o.depth).toBe(10);
    expect(o.dropped).toBe(20);
    expect(o.pending().every((e) => e.cls === "event")).toBe(true);
  });

  it("opens on a read-only data dir with what its file holds", () => {
    const r = rig();
    const first = r.open();
    first.add(entry(1));
    first.add(entry(2));
    r.disk.writes = "EROFS";
    const o = r.open();
    expect(ids(o)).toEqual(["boot-a:1", "boot-a:2"]);
    expect(r.storage.ok).toBe(false);
  });

  it("opens an unreadable outbox empty, and merges what it held once it can be read", () => {
    const r = rig();
    const before = r.open();
    before.add({ ...entry(1), id: "boot-old:5" });
    r.disk.reads = "EIO";
    const o = r.open();
    expect(ids(o)).toEqual([]);
    o.add(entry(1));
    r.disk.reads = null;
    r.clock.advance(30_000);
    r.storage.retryAll();
    expect(ids(o)).toEqual(["boot-old:5", "boot-a:1"]);
    expect(ids(r.open())).toEqual(["boot-old:5", "boot-a:1"]);
  });

  it("opens when its path is not a file it can read, and says so", () => {
    const r = rig();
    mkdirSync(r.path);
    const o = Outbox.open(r.path, { maxEntries: 10, storage: r.storage });
    o.add(entry(1));
    expect(ids(o)).toEqual(["boot-a:1"]);
    expect(r.storage.report()).toMatchObject({ ok: false, error: expect.stringMatching(/EISDIR/) });
  });

  it("opens a file that is garbage through and through, skipping what it cannot read", () => {
    const r = rig();
    writeFileSync(r.path, Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x7b, 0x22, 0x0a, 0x80]));
    const o = r.open();
    o.add(entry(1));
    expect(ids(o)).toEqual(["boot-a:1"]);
    expect(r.storage.ok).toBe(true);
  });

  it("creates its file readable by its owner only", () => {
    const r = rig();
    r.open().add(entry(1));
    expect(statSync(r.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(r.path, "utf8")).toContain("boot-a:1");
  });
});
