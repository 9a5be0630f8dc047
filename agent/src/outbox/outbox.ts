import { appendFileSync, closeSync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { AgentError } from "../errors.ts";
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
}

/**
 * The messages not yet acknowledged by the broker, in order, on disk: an append-only JSON-lines
 * log of additions (`{"a": entry}`) and completions (`{"d": id}`), compacted now and then. Events
 * and responses are fsynced before `add` returns, so a power cut loses none; a torn last line
 * (the cut came mid-write) is skipped on load.
 */
export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();
  private doneLines = 0;
  private shedCount = 0;
  private readonly audit: OutboxAudit | null;

  private constructor(
    private readonly path: string,
    private readonly options: OutboxOptions,
  ) {
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
    mkdirSync(dirname(this.path), { recursive: true });
    let text = "";
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new AgentError("UPLINK_STORE_IO", `${this.path}: ${(err as Error).message}`, { path: this.path });
      }
    }
    for (const raw of text.split("\n")) {
      if (raw.trim() === "") continue;
      const line = parseLine(raw);
      if (!line) {
        this.options.onCorruptLine?.(raw.slice(0, 200));
        continue;
      }
      if ("a" in line) this.entries.set(line.a.id, line.a);
      else this.entries.delete(line.d);
    }
    this.compact();
  }

  private append(lines: Line[], sync: boolean) {
    const text = lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
    try {
      if (!sync) {
        appendFileSync(this.path, text);
        return;
      }
      const fd = openSync(this.path, "a");
      try {
        appendFileSync(fd, text);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      throw new AgentError("UPLINK_STORE_IO", `${this.path}: ${(err as Error).message}`, { path: this.path });
    }
  }

  private maybeCompact() {
    if (this.doneLines >= (this.options.compactAfter ?? 500)) this.compact();
  }

  /** Temp file and rename: a cut mid-compaction leaves the old log, which replays the same. */
  private compact() {
    const tmp = `${this.path}.tmp`;
    const text = [...this.entries.values()].map((a) => JSON.stringify({ a }) + "\n").join("");
    try {
      writeFileSync(tmp, text);
      const fd = openSync(tmp, "r+");
      fdatasyncSync(fd);
      closeSync(fd);
      renameSync(tmp, this.path);
    } catch (err) {
      throw new AgentError("UPLINK_STORE_IO", `${this.path}: ${(err as Error).message}`, { path: this.path });
    }
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
