import type { Logger } from "pino";
import { systemClock, type Clock } from "../runtime/clock.ts";

/** What the heartbeat says about the data dir (`storage` in the shared heartbeat schema). */
export interface StorageReport {
  ok: boolean;
  /** The first file the agent could not write or read, and why, since when: with `ok: false`. */
  path?: string;
  error?: string;
  since?: string;
}

export interface StorageFault {
  path: string;
  error: string;
}

/** Pure: the report of the faults standing now, the oldest first; `since` is when the first began. */
export function storageReport(faults: readonly StorageFault[], since: number | null): StorageReport {
  const first = faults[0];
  if (!first) return { ok: true };
  return { ok: false, path: first.path, error: first.error, ...(since !== null ? { since: new Date(since).toISOString() } : {}) };
}

/** A store file that can try its disk again. */
export interface Retryable {
  readonly path: string;
  retry(): boolean;
}

export interface StorageHealthDeps {
  clock?: Clock;
  log?: Logger;
  /** How long a store waits before it tries a failed disk again (and the period of the retry timer). */
  retryMs?: number;
}

/**
 * Whether the agent's data dir takes writes, across all its stores (outbox, journal, leases, link
 * preference). A store that cannot write keeps working from memory and tells this; this logs one
 * line when the first store degrades and one when the last recovers (not one per message), tells
 * the agent so it can send a heartbeat at once, and tries the faulted stores again on a timer.
 */
export class StorageHealth {
  readonly retryMs: number;
  readonly clock: Clock;
  private readonly files = new Set<Retryable>();
  private readonly faults = new Map<string, string>();
  private since: number | null = null;
  private timer: unknown = null;
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly deps: StorageHealthDeps = {}) {
    this.retryMs = deps.retryMs ?? 30_000;
    this.clock = deps.clock ?? systemClock;
  }

  get ok(): boolean {
    return this.faults.size === 0;
  }

  report(): StorageReport {
    return storageReport(
      [...this.faults].map(([path, error]) => ({ path, error })),
      this.since,
    );
  }

  register(file: Retryable): void {
    this.files.add(file);
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** A store could not read or write `path`. */
  failed(path: string, error: string): void {
    const wasOk = this.ok;
    const known = this.faults.has(path);
    this.faults.set(path, error);
    if (wasOk) {
      this.since = this.clock.now();
      this.deps.log?.warn({ event: "storage.degraded", path, error }, "data dir not writable: keeping the outbox, journal and leases in memory until it is");
      this.changed();
    } else if (!known) {
      this.deps.log?.debug({ event: "storage.also-failed", path, error }, "another store cannot write");
    } else {
      this.deps.log?.debug({ event: "storage.retry-failed", path, error }, "data dir still not writable");
    }
  }

  /** A store wrote `path` again, with what it held in memory. */
  recovered(path: string): void {
    if (!this.faults.delete(path)) return;
    if (!this.ok) return;
    const downS = this.since === null ? 0 : Math.round((this.clock.now() - this.since) / 1000);
    this.since = null;
    this.deps.log?.info({ event: "storage.recovered", path, downS }, "data dir writable again: what was held in memory is on disk");
    this.changed();
  }

  /** Tries every faulted store again now. */
  retryAll(): void {
    for (const file of this.files) file.retry();
  }

  /** Every `retryMs`: a store that is not written to (no commands, no lease) still recovers. */
  start(): void {
    if (this.timer !== null) return;
    const tick = () => {
      this.timer = this.clock.setTimeout(() => {
        if (!this.ok) this.retryAll();
        tick();
      }, this.retryMs);
    };
    tick();
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private changed() {
    for (const fn of this.listeners) fn();
  }
}
