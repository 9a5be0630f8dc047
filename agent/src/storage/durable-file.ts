import { ioError, nodeDisk, type Disk } from "./disk.ts";
import { StorageHealth, type Retryable } from "./storage-health.ts";

/** What a store gives its file: its whole state as the file's text, and a merge for a late read. */
export interface FileOwner {
  /** Memory's state as the file's whole text: what a rewrite writes. */
  render(): string;
  /**
   * The file could not be read at start and now can: merge what it held into memory (then the
   * merged state is written). Without it, a late read changes nothing and memory is kept.
   */
  absorb?(text: string): void;
}

export interface DurableFileDeps {
  disk?: Disk;
  health?: StorageHealth;
}

/**
 * One store file whose failures never escape. Memory is the truth and the file its copy: when a
 * write fails (read-only remount, full card, I/O error) the store goes on from memory, and the next
 * try (after `health.retryMs`, on the next write or the health timer) writes memory whole, so what
 * changed during the fault is not lost. A file that cannot be read at start is read again then,
 * and merged (`absorb`) before it is overwritten.
 */
export class DurableFile implements Retryable {
  private readonly disk: Disk;
  private readonly health: StorageHealth;
  private faulted = false;
  /** A write failed: memory holds something the file lacks. */
  private dirty = false;
  /** The read at start failed: the file may hold something memory lacks. */
  private unread = false;
  private lastTry = 0;

  constructor(
    readonly path: string,
    private readonly owner: FileOwner,
    deps: DurableFileDeps = {},
  ) {
    this.disk = deps.disk ?? nodeDisk;
    this.health = deps.health ?? new StorageHealth();
    this.health.register(this);
  }

  get ok(): boolean {
    return !this.faulted;
  }

  /** The file's text: "" when there is none, or when it cannot be read (then it is tried again). */
  read(): string {
    try {
      return this.disk.read(this.path) ?? "";
    } catch (err) {
      this.unread = true;
      this.fail(err);
      return "";
    }
  }

  append(text: string, sync: boolean): void {
    if (this.faulted) return this.deferred();
    try {
      this.disk.append(this.path, text, sync);
    } catch (err) {
      this.dirty = true;
      this.fail(err);
    }
  }

  /** Writes `owner.render()` as the whole file. */
  rewrite(): void {
    if (this.faulted) return this.deferred();
    try {
      this.disk.replace(this.path, this.owner.render());
    } catch (err) {
      this.dirty = true;
      this.fail(err);
    }
  }

  /** Tries the disk again now; true when the file is whole again (or never failed). */
  retry(): boolean {
    if (!this.faulted) return true;
    this.lastTry = this.health.clock.now();
    try {
      if (this.unread) {
        const text = this.disk.read(this.path);
        this.unread = false;
        if (text !== null && this.owner.absorb) {
          this.owner.absorb(text);
          this.dirty = true;
        }
      }
      if (this.dirty) this.disk.replace(this.path, this.owner.render());
    } catch (err) {
      this.health.failed(this.path, ioError(err));
      return false;
    }
    this.dirty = false;
    this.faulted = false;
    this.health.recovered(this.path);
    return true;
  }

  /** A write while faulted: memory has it; the disk is tried again once the backoff has passed. */
  private deferred() {
    this.dirty = true;
    if (this.health.clock.now() - this.lastTry >= this.health.retryMs) this.retry();
  }

  private fail(err: unknown) {
    this.faulted = true;
    this.lastTry = this.health.clock.now();
    this.health.failed(this.path, ioError(err));
  }
}
