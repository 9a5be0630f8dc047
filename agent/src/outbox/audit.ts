import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { AgentError } from "../errors.ts";
import type { OutboxClass, OutboxEntry } from "./entry.ts";

/**
 * One line of the audit: an entry the outbox was given (`add`), or one it shed when full (`shed`,
 * a loss by design, counted as `outbox.dropped`).
 */
export type AuditLine =
  | { op: "add"; id: string; cls: OutboxClass; topic: string; at: number }
  | { op: "shed"; id: string; at: number };

/**
 * The outbox's audit (`outbox.auditPath`, off by default): every entry the outbox was ever given,
 * and every one it shed, as JSON lines appended and never compacted. The outbox forgets an entry
 * once the broker acknowledges it; the audit keeps its id (`bootId:seq`), class and topic, so that
 * what an agent wrote can be compared with what the server stored (the fault suite,
 * test/e2e/reliability.test.ts, does). Not fsynced: a killed agent loses nothing the kernel already
 * has, only a power cut could lose the last lines. It grows without bound: for tests and for
 * chasing a lost message, not for a device left running.
 */
export class OutboxAudit {
  constructor(private readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new AgentError("UPLINK_STORE_IO", `${path}: ${(err as Error).message}`, { path });
    }
  }

  added(entry: OutboxEntry): void {
    this.write([{ op: "add", id: entry.id, cls: entry.cls, topic: entry.topic, at: Date.now() }]);
  }

  shed(ids: readonly string[]): void {
    const at = Date.now();
    if (ids.length > 0) this.write(ids.map((id) => ({ op: "shed" as const, id, at })));
  }

  private write(lines: AuditLine[]) {
    try {
      appendFileSync(this.path, lines.map((l) => JSON.stringify(l) + "\n").join(""));
    } catch (err) {
      throw new AgentError("UPLINK_STORE_IO", `${this.path}: ${(err as Error).message}`, { path: this.path });
    }
  }
}

/** The lines of an audit file, skipping a torn last line; none when there is no file. */
export function readAudit(path: string): AuditLine[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const out: AuditLine[] = [];
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    try {
      const line = JSON.parse(raw) as AuditLine;
      if ((line.op === "add" || line.op === "shed") && typeof line.id === "string") out.push(line);
    } catch {
      // A line torn by a kill mid-write.
    }
  }
  return out;
}
