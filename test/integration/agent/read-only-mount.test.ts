import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Journal } from "../../../agent/src/executor/journal.ts";
import { Outbox } from "../../../agent/src/outbox/outbox.ts";
import { StorageHealth } from "../../../agent/src/storage/storage-health.ts";
import { canMountTmpfs, mountTmpfs, type TmpfsMount } from "../../helpers/tmpfs-mount.ts";

const mounts: TmpfsMount[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) m.remove();
});

const entry = (seq: number) => ({ id: `boot-a:${seq}`, cls: "event" as const, topic: "t", payload: `{"seq":${seq}}`, retain: false });

describe.skipIf(!canMountTmpfs)("the stores on a real read-only mount", () => {
  it("keeps the outbox going in memory on EROFS and writes it back when the mount is writable again", () => {
    const m = mountTmpfs();
    mounts.push(m);
    const path = join(m.dir, "outbox.jsonl");
    const storage = new StorageHealth({ retryMs: 0 });
    const o = Outbox.open(path, { maxEntries: 100, storage });
    o.add(entry(1));
    m.readOnly();
    expect(() => {
      o.add(entry(2));
      o.done("boot-a:1");
      o.add(entry(3));
    }).not.toThrow();
    expect(storage.report()).toMatchObject({ ok: false, path, error: expect.stringMatching(/EROFS/) });
    // Still read-only: a new outbox opens with what the file held, and takes more.
    const reopened = Outbox.open(path, { maxEntries: 100, storage: new StorageHealth() });
    expect(reopened.pending().map((e) => e.id)).toEqual(["boot-a:1"]);
    m.writable();
    storage.retryAll();
    expect(storage.ok).toBe(true);
    expect(Outbox.open(path, { maxEntries: 100 }).pending().map((e) => e.id)).toEqual(["boot-a:2", "boot-a:3"]);
  });

  it("opens the outbox and the journal on a data dir that is read-only from the start", () => {
    const m = mountTmpfs();
    mounts.push(m);
    m.readOnly();
    const storage = new StorageHealth({ retryMs: 0 });
    const o = Outbox.open(join(m.dir, "state/outbox.jsonl"), { maxEntries: 100, storage });
    const j = Journal.open(join(m.dir, "state/journal.jsonl"), 1000, undefined, { storage });
    o.add(entry(1));
    j.begin("r1", "ping", 1000);
    expect(storage.report()).toMatchObject({ ok: false, error: expect.stringMatching(/EROFS/) });
    m.writable();
    storage.retryAll();
    expect(storage.ok).toBe(true);
    expect(readFileSync(join(m.dir, "state/outbox.jsonl"), "utf8")).toContain("boot-a:1");
    expect(Journal.open(join(m.dir, "state/journal.jsonl"), 1000).get("r1")?.name).toBe("ping");
  });
});
