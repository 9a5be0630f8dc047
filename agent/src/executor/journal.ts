import { z } from "zod";
import type { Disk } from "../storage/disk.ts";
import { DurableFile } from "../storage/durable-file.ts";
import type { StorageHealth } from "../storage/storage-health.ts";

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
 * runs, so a power cut mid-command cannot make it run twice. On a disk that refuses writes it keeps
 * going in memory (a redelivery to this process is still answered from it; only a restart during
 * the fault forgets) and writes itself whole when the disk is back (durable-file.ts).
 */
export class Journal {
  private readonly records = new Map<string, JournalRecord>();
  private readonly file: DurableFile;

  private constructor(
    path: string,
    private readonly keepMs: number,
    deps: { disk?: Disk; storage?: StorageHealth },
  ) {
    this.file = new DurableFile(path, { render: () => this.render(), absorb: (text) => this.absorb(text) }, {
      ...(deps.disk ? { disk: deps.disk } : {}),
      ...(deps.storage ? { health: deps.storage } : {}),
    });
  }

  static open(path: string, now: number, keepMs = 7 * 24 * 3600_000, deps: { disk?: Disk; storage?: StorageHealth } = {}): Journal {
    const journal = new Journal(path, keepMs, deps);
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
    for (const record of replay(this.file.read())) this.records.set(record.id, record);
    // Compact: forget requests older than keepMs (their expiresAt passed long ago).
    for (const [id, r] of this.records) if (now - r.startedAt > this.keepMs) this.records.delete(id);
    this.file.rewrite();
  }

  /** What the file held when it could not be read at start: ids this process has not seen. */
  private absorb(text: string) {
    for (const record of replay(text)) if (!this.records.has(record.id)) this.records.set(record.id, record);
  }

  private render(): string {
    return [...this.records.values()]
      .flatMap((r) => [
        JSON.stringify({ id: r.id, name: r.name, startedAt: r.startedAt }),
        ...(r.final ? [JSON.stringify({ id: r.id, final: r.final })] : []),
      ])
      .map((l) => `${l}\n`)
      .join("");
  }

  private append(line: object) {
    this.file.append(JSON.stringify(line) + "\n", true);
  }
}

/** The records a journal's text holds, with their final answers; torn lines are skipped. */
function replay(text: string): JournalRecord[] {
  const records = new Map<string, JournalRecord>();
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
      const record = records.get(line.id);
      if (record) record.final = line.final;
    } else {
      records.set(line.id, { ...line });
    }
  }
  return [...records.values()];
}
