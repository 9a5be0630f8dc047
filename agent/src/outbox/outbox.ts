import type { Disk } from "../storage/disk.ts";
import { DurableFile } from "../storage/durable-file.ts";
import type { StorageHealth } from "../storage/storage-health.ts";
import { OutboxAudit } from "./audit.ts";
import { outboxEntrySchema, type OutboxEntry } from "./entry.ts";
import { chooseShed } from "./shed-policy.ts";

type Line = { a: OutboxEntry } | { d: string };

export interface OutboxOptions {
  maxEntries: number;
  /** Rewrite the file when this many lines are done (sent or shed). */
  compactAfter?: number;
  onCorruptLine?: (line: string) => void;
  /** Off by default: a file that records every entry added and shed, never trimmed (see audit.ts). */
  auditPath?: string;
  /** The file operations (tests inject failing ones) and the data dir's health it reports to. */
  disk?: Disk;
  storage?: StorageHealth;
}

/**
 * The messages not yet acknowledged by the broker, in order, on disk: an append-only JSON-lines
 * log of additions (`{"a": entry}`) and completions (`{"d": id}`), compacted now and then. Events
 * and responses are fsynced before `add` returns, so a power cut loses none; a torn last line
 * (the cut came mid-write) is skipped on load. When the file cannot be written (a card remounted
 * read-only, full, failing) the outbox goes on in memory, same bound and shed policy, and writes
 * itself whole when the disk takes writes again (durable-file.ts); never throws for the disk.
 */
export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();
  private doneLines = 0;
  private shedCount = 0;
  private readonly audit: OutboxAudit | null;
  private readonly file: DurableFile;

  private constructor(
    path: string,
    private readonly options: OutboxOptions,
  ) {
    const storage = options.storage ? { health: options.storage } : {};
    this.file = new DurableFile(path, { render: () => this.render(), absorb: (text) => this.absorb(text) }, { ...(options.disk ? { disk: options.disk } : {}), ...storage });
    this.audit = options.auditPath ? new OutboxAudit(options.auditPath) : null;
  }

  static open(path: string, options: OutboxOptions): Outbox {
    const outbox = new Outbox(path, options);
    outbox.load();
    return outbox;
  }

  get depth(): number {
    return this.entries.size;
  }

  /** Entries shed since this process started. */
  get dropped(): number {
    return this.shedCount;
  }

  pending(): OutboxEntry[] {
    return [...this.entries.values()];
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  add(entry: OutboxEntry): void {
    if (this.entries.has(entry.id)) return;
    this.entries.set(entry.id, entry);
    this.append([{ a: entry }], entry.cls === "event" || entry.cls === "response");
    this.audit?.added(entry);
    const shed = chooseShed([...this.entries.values()], this.options.maxEntries);
    if (shed.length > 0) {
      for (const id of shed) this.entries.delete(id);
      this.shedCount += shed.length;
      this.append(shed.map((d) => ({ d })), false);
      this.audit?.shed(shed);
      this.doneLines += shed.length;
    }
    this.maybeCompact();
  }

  /** The broker has it: it leaves the outbox. */
  done(id: string): void {
    if (!this.entries.delete(id)) return;
    this.append([{ d: id }], false);
    this.doneLines++;
    this.maybeCompact();
  }

  private load() {
    for (const [id, entry] of this.replay(this.file.read())) this.entries.set(id, entry);
    this.compact();
  }

  /** The entries a log's text leaves pending, in order; torn or foreign lines are skipped. */
  private replay(text: string): Map<string, OutboxEntry> {
    const entries = new Map<string, OutboxEntry>();
    for (const raw of text.split("\n")) {
      if (raw.trim() === "") continue;
      const line = parseLine(raw);
      if (!line) {
        this.options.onCorruptLine?.(raw.slice(0, 200));
        continue;
      }
      if ("a" in line) entries.set(line.a.id, line.a);
      else entries.delete(line.d);
    }
    return entries;
  }

  /**
   * The file could not be read at start and now can: what it held (an earlier boot's messages)
   * goes first, as it was made first, then what this boot made meanwhile; then the bound.
   */
  private absorb(text: string) {
    const merged = this.replay(text);
    for (const [id, entry] of this.entries) merged.set(id, entry);
    this.entries.clear();
    for (const [id, entry] of merged) this.entries.set(id, entry);
    const shed = chooseShed([...this.entries.values()], this.options.maxEntries);
    for (const id of shed) this.entries.delete(id);
    this.shedCount += shed.length;
    this.audit?.shed(shed);
  }

  private render(): string {
    return [...this.entries.values()].map((a) => JSON.stringify({ a }) + "\n").join("");
  }

  private append(lines: Line[], sync: boolean) {
    this.file.append(lines.map((l) => JSON.stringify(l)).join("\n") + "\n", sync);
  }

  private maybeCompact() {
    if (this.doneLines >= (this.options.compactAfter ?? 500)) this.compact();
  }

  /** Temp file and rename: a cut mid-compaction leaves the old log, which replays the same. */
  private compact() {
    this.file.rewrite();
    this.doneLines = 0;
  }
}

function parseLine(raw: string): Line | null {
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    if (typeof value.d === "string") return { d: value.d };
    const entry = outboxEntrySchema.safeParse(value.a);
    return entry.success ? { a: entry.data } : null;
  } catch {
    return null;
  }
}
