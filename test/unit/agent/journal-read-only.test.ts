import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LeaseStore } from "../../../agent/src/commands/lease-store.ts";
import { Journal } from "../../../agent/src/executor/journal.ts";
import { StorageHealth } from "../../../agent/src/storage/storage-health.ts";
import { failingDisk, manualClock } from "../../helpers/failing-disk.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "journal-ro-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function rig() {
  const disk = failingDisk();
  const clock = manualClock();
  const storage = new StorageHealth({ clock, retryMs: 30_000 });
  return { disk, clock, storage };
}

describe("the idempotency journal on a data dir that stops taking writes", () => {
  it("remembers accepted ids and answers in memory while the disk refuses writes", () => {
    const r = rig();
    const path = join(dir, "journal.jsonl");
    const j = Journal.open(path, 1000, undefined, { disk: r.disk, storage: r.storage });
    r.disk.writes = "EROFS";
    expect(() => {
      j.begin("r1", "link.up", 1000);
      j.finish("r1", { requestId: "r1", state: "succeeded" });
    }).not.toThrow();
    expect(j.get("r1")?.final).toEqual({ requestId: "r1", state: "succeeded" });
    expect(r.storage.report()).toMatchObject({ ok: false, path, error: expect.stringMatching(/EROFS/) });
  });

  it("writes what it held in memory once the disk takes writes again", () => {
    const r = rig();
    const path = join(dir, "journal.jsonl");
    const j = Journal.open(path, 1000, undefined, { disk: r.disk, storage: r.storage });
    j.begin("r0", "ping", 1000);
    r.disk.writes = "ENOSPC";
    j.begin("r1", "link.up", 1000);
    j.finish("r1", { requestId: "r1", state: "succeeded" });
    r.disk.writes = null;
    r.clock.advance(30_000);
    j.begin("r2", "ping", 1000);
    expect(r.storage.ok).toBe(true);
    const again = Journal.open(path, 2000);
    expect(again.get("r0")?.name).toBe("ping");
    expect(again.get("r1")?.final).toEqual({ requestId: "r1", state: "succeeded" });
    expect(again.get("r2")?.name).toBe("ping");
  });

  it("opens on a read-only data dir, and on one it cannot read", () => {
    const r = rig();
    const path = join(dir, "journal.jsonl");
    Journal.open(path, 1000).begin("r0", "ping", 1000);
    r.disk.writes = "EROFS";
    expect(Journal.open(path, 1000, undefined, { disk: r.disk, storage: r.storage }).get("r0")?.name).toBe("ping");
    r.disk.reads = "EIO";
    const blind = Journal.open(path, 1000, undefined, { disk: r.disk, storage: r.storage });
    expect(blind.get("r0")).toBeUndefined();
    blind.begin("r1", "ping", 1000);
    r.disk.reads = null;
    r.disk.writes = null;
    r.clock.advance(30_000);
    r.storage.retryAll();
    // What the file held comes back, beside what was accepted meanwhile.
    expect(blind.get("r0")?.name).toBe("ping");
    const again = Journal.open(path, 2000);
    expect([again.get("r0")?.name, again.get("r1")?.name]).toEqual(["ping", "ping"]);
  });

  it("creates its file readable by its owner only", () => {
    const path = join(dir, "journal.jsonl");
    Journal.open(path, 0).begin("r1", "ping", 0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe("the lease store on a data dir that stops taking writes", () => {
  const lease = (iface: string, ip: string) => ({ iface, ip, dns: [], obtainedAt: "2025-01-01T00:00:00.000Z" });

  it("records a lease in memory when the disk refuses it, and writes it when the disk takes writes again", () => {
    const r = rig();
    const path = join(dir, "leases.json");
    const store = new LeaseStore(path, { disk: r.disk, storage: r.storage });
    r.disk.writes = "EROFS";
    expect(() => store.record(lease("wwan0", "10.0.0.2"))).not.toThrow();
    expect(store.get("wwan0")?.ip).toBe("10.0.0.2");
    expect(r.storage.ok).toBe(false);
    r.disk.writes = null;
    r.storage.retryAll();
    expect(new LeaseStore(path).get("wwan0")?.ip).toBe("10.0.0.2");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
