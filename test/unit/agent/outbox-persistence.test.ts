import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Outbox } from "../../../agent/src/outbox/outbox.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const entry = (seq: number, cls: "event" | "heartbeat" = "event") => ({ id: `boot-a:${seq}`, cls, topic: "t", payload: `{"seq":${seq}}`, retain: false });

describe("the outbox on disk", () => {
  it("gives back after a restart what was not sent, in order, under the original ids", () => {
    dir = mkdtempSync(join(tmpdir(), "outbox-"));
    const path = join(dir, "outbox.jsonl");
    const a = Outbox.open(path, { maxEntries: 100 });
    for (let s = 1; s <= 5; s++) a.add(entry(s));
    a.done("boot-a:2");
    const b = Outbox.open(path, { maxEntries: 100 });
    expect(b.pending().map((e) => e.id)).toEqual(["boot-a:1", "boot-a:3", "boot-a:4", "boot-a:5"]);
  });

  it("skips a line torn by a power cut and keeps the rest", () => {
    dir = mkdtempSync(join(tmpdir(), "outbox-"));
    const path = join(dir, "outbox.jsonl");
    const a = Outbox.open(path, { maxEntries: 100 });
    a.add(entry(1));
    appendFileSync(path, '{"a":{"id":"boot-a:2","cls":"ev');
    const torn: string[] = [];
    const b = Outbox.open(path, { maxEntries: 100, onCorruptLine: (l) => torn.push(l) });
    expect(b.pending().map((e) => e.id)).toEqual(["boot-a:1"]);
    expect(torn).toHaveLength(1);
  });

  it("counts the heartbeats it shed when full", () => {
    dir = mkdtempSync(join(tmpdir(), "outbox-"));
    const o = Outbox.open(join(dir, "outbox.jsonl"), { maxEntries: 10 });
    for (let s = 1; s <= 30; s++) o.add(entry(s, s % 3 === 0 ? "event" : "heartbeat"));
    expect(o.depth).toBe(10);
    expect(o.dropped).toBe(20);
    expect(o.pending().filter((e) => e.cls === "event")).toHaveLength(10);
  });

  it("compacts its log and still replays the same", () => {
    dir = mkdtempSync(join(tmpdir(), "outbox-"));
    const path = join(dir, "outbox.jsonl");
    const o = Outbox.open(path, { maxEntries: 1000, compactAfter: 10 });
    for (let s = 1; s <= 50; s++) o.add(entry(s));
    for (let s = 1; s <= 45; s++) o.done(`boot-a:${s}`);
    expect(Outbox.open(path, { maxEntries: 1000 }).pending().map((e) => e.id)).toEqual([46, 47, 48, 49, 50].map((s) => `boot-a:${s}`));
  });
});
