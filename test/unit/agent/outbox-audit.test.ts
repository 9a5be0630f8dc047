import { appendFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readAudit } from "../../../agent/src/outbox/audit.ts";
import { Outbox } from "../../../agent/src/outbox/outbox.ts";
import { checkConfig } from "../../../agent/src/config/load.ts";
import { applyEnvOverrides } from "../../../agent/src/config/env-overrides.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const entry = (seq: number, cls: "event" | "heartbeat" = "event") => ({ id: `boot-a:${seq}`, cls, topic: `t/${cls}`, payload: `{"seq":${seq}}`, retain: false });

describe("the outbox audit", () => {
  it("keeps every entry ever added, across acknowledgements, compactions and restarts, and every one shed", () => {
    dir = mkdtempSync(join(tmpdir(), "outbox-audit-"));
    const auditPath = join(dir, "audit", "outbox-audit.jsonl");
    const a = Outbox.open(join(dir, "outbox.jsonl"), { maxEntries: 10, compactAfter: 5, auditPath });
    for (let s = 2; s <= 31; s++) a.add(entry(s, s % 3 === 0 ? "event" : "heartbeat"));
    a.add(entry(30)); // the same id again, still pending: no new entry
    for (const e of a.pending()) a.done(e.id);
    const b = Outbox.open(join(dir, "outbox.jsonl"), { maxEntries: 10, auditPath });
    b.add(entry(32));
    appendFileSync(auditPath, '{"op":"add","id":"boot-a:3'); // torn by a kill

    const lines = readAudit(auditPath);
    const added = lines.filter((l) => l.op === "add");
    expect(added.map((l) => l.id)).toEqual(Array.from({ length: 31 }, (_, i) => `boot-a:${i + 2}`));
    expect(added[1]).toMatchObject({ op: "add", id: "boot-a:3", cls: "event", topic: "t/event" });
    const shed = lines.filter((l) => l.op === "shed").map((l) => l.id);
    expect(shed).toHaveLength(a.dropped);
    expect(shed.length).toBeGreaterThan(0);
  });

  it("is off unless configured, and is set with outbox.auditPath or UPLINK_OUTBOX__AUDIT_PATH", () => {
    dir = mkdtempSync(join(tmpdir(), "outbox-audit-"));
    const o = Outbox.open(join(dir, "outbox.jsonl"), { maxEntries: 10 });
    o.add(entry(2));
    expect(existsSync(join(dir, "outbox-audit.jsonl"))).toBe(false);
    const base = { deviceId: "pi-1", broker: { url: "mqtt://127.0.0.1:1883", username: "pi-1", password: "x" } };
    const off = checkConfig(base);
    expect(off.ok && off.config.outbox.auditPath).toBe(undefined);
    const on = checkConfig(applyEnvOverrides(base, { UPLINK_OUTBOX__AUDIT_PATH: "/tmp/audit.jsonl" }));
    expect(on.ok && on.config.outbox).toEqual({ maxEntries: 5000, auditPath: "/tmp/audit.jsonl" });
  });
});
