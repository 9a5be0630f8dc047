import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Journal } from "../../../agent/src/executor/journal.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the idempotency journal", () => {
  it("remembers accepted ids and their final answers across a restart", () => {
    dir = mkdtempSync(join(tmpdir(), "journal-"));
    const path = join(dir, "journal.jsonl");
    const a = Journal.open(path, 1000);
    a.begin("r1", "link.up", 1000);
    a.finish("r1", { requestId: "r1", state: "succeeded" });
    a.begin("r2", "qmi.restart", 1000);
    const b = Journal.open(path, 2000);
    expect(b.get("r1")?.final).toEqual({ requestId: "r1", state: "succeeded" });
    expect(b.get("r2")).toMatchObject({ name: "qmi.restart" });
    expect(b.get("r2")?.final).toBeUndefined();
  });

  it("forgets requests older than its retention", () => {
    dir = mkdtempSync(join(tmpdir(), "journal-"));
    const path = join(dir, "journal.jsonl");
    Journal.open(path, 0).begin("old", "ping", 0);
    expect(Journal.open(path, 8 * 24 * 3600_000).get("old")).toBeUndefined();
  });

  it("survives a torn last line", () => {
    dir = mkdtempSync(join(tmpdir(), "journal-"));
    const path = join(dir, "journal.jsonl");
    Journal.open(path, 0).begin("r1", "ping", 0);
    appendFileSync(path, '{"id":"r1","fin');
    expect(Journal.open(path, 0).get("r1")?.name).toBe("ping");
  });
});
