import { appendFileSync, closeSync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { AgentError } from "../errors.ts";

/** A final answer as stored: the response without its envelope (a replay gets a new one). */
const storedSchema = z.record(z.string(), z.unknown());

const lineSchema = z.union([
  z.object({ id: z.string(), name: z.string(), startedAt: z.number() }),
  z.object({ id: z.string(), final: storedSchema }),
]);

export interface JournalRecord {
  id: string;
  name: string;
  startedAt: number;
  final?: Record<string, unknown>;
}

/**
 * The idempotency journal: every request id the agent accepted, and its final answer once it has
 * one. A redelivered id is never run again: its stored answer is sent instead, and one that was
 * running when the agent stopped is answered as interrupted. Synced to disk before the command
 * runs, so a power cut mid-command cannot make it run twice.
 */
export class Journal {
  private readonly records = new Map<string, JournalRecord>();

  private constructor(
    private readonly path: string,
    private readonly keepMs: number,
  ) {}

  static open(path: string, now: number, keepMs = 7 * 24 * 3600_000): Journal {
    const journal = new Journal(path, keepMs);
    journal.load(now);
    return journal;
  }

  get(id: string): JournalRecord | undefined {
    return this.records.get(id);
  }

  begin(id: string, name: string, now: number): void {
    const record = { id, name, startedAt: now };
    this.records.set(id, record);
    this.append(record);
  }

  finish(id: string, final: Record<string, unknown>): void {
    const record = this.records.get(id);
    if (record) record.final = final;
    this.append({ id, final });
  }

  private load(now: number) {
    mkdirSync(dirname(this.path), { recursive: true });
    let text = "";
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new AgentError("UPLINK_STORE_IO", (err as Error).message, { path: this.path });
    }
    for (const raw of text.split("\n")) {
      if (!raw.trim()) continue;
      let parsed;
      try {
        parsed = lineSchema.safeParse(JSON.parse(raw));
      } catch {
        continue; // a torn last line after a power cut
      }
      if (!parsed.success) continue;
      const line = parsed.data;
      if ("final" in line) {
        const record = this.records.get(line.id);
        if (record) record.final = line.final;
      } else {
        this.records.set(line.id, { ...line });
      }
    }
    // Compact: forget requests older than keepMs (their expiresAt passed long ago).
    for (const [id, r] of this.records) if (now - r.startedAt > this.keepMs) this.records.delete(id);
    const lines = [...this.records.values()].flatMap((r) => [
      JSON.stringify({ id: r.id, name: r.name, startedAt: r.startedAt }),
      ...(r.final ? [JSON.stringify({ id: r.id, final: r.final })] : []),
    ]);
    writeFileSync(`${this.path}.tmp`, lines.map((l) => `${l}\n`).join(""));
    renameSync(`${this.path}.tmp`, this.path);
  }

  private append(line: object) {
    try {
      const fd = openSync(this.path, "a");
      try {
        appendFileSync(fd, JSON.stringify(line) + "\n");
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      throw new AgentError("UPLINK_STORE_IO", (err as Error).message, { path: this.path });
    }
  }
}
