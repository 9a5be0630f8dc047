import { nodeDisk, type Disk } from "../../agent/src/storage/disk.ts";

/** An errno error as node:fs throws it. */
export function ioFailure(code: string, path: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = {
    EROFS: "read-only file system",
    ENOSPC: "no space left on device",
    EIO: "i/o error",
    EACCES: "permission denied",
  };
  const err = new Error(`${code}: ${messages[code] ?? "failed"}, open '${path}'`) as NodeJS.ErrnoException;
  err.code = code;
  return err;
}

/**
 * The real disk (files in a temp dir) with switches: `writes` / `reads` set to an errno code make
 * every write / read fail with it, as a card remounted read-only, full or dying does.
 */
export function failingDisk(): Disk & { writes: string | null; reads: string | null; writeAttempts: number } {
  const disk = {
    writes: null as string | null,
    reads: null as string | null,
    writeAttempts: 0,
    read(path: string) {
      if (disk.reads) throw ioFailure(disk.reads, path);
      return nodeDisk.read(path);
    },
    append(path: string, text: string, sync: boolean) {
      disk.writeAttempts++;
      if (disk.writes) throw ioFailure(disk.writes, path);
      nodeDisk.append(path, text, sync);
    },
    replace(path: string, text: string) {
      disk.writeAttempts++;
      if (disk.writes) throw ioFailure(disk.writes, path);
      nodeDisk.replace(path, text);
    },
  };
  return disk;
}

/** A clock the test moves by hand; timers run when it passes them. */
export function manualClock(start = 1_000_000) {
  let now = start;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  return {
    now: () => now,
    setTimeout(fn: () => void, ms: number) {
      const id = ++ids;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout(handle: unknown) {
      const i = timers.findIndex((t) => t.id === handle);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > until) break;
        timers.shift();
        now = next.at;
        next.fn();
      }
      now = until;
    },
  };
}

/** A logger that records what it was given, as pino's `(fields, message)` calls. */
export function recordingLog() {
  const lines: { level: string; event?: string; [k: string]: unknown }[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, msg?: string) =>
      lines.push({ level, ...fields, ...(msg ? { msg } : {}) });
  const log = { trace: at("trace"), debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), fatal: at("fatal"), child: () => log };
  return { log: log as unknown as import("pino").Logger, lines };
}
