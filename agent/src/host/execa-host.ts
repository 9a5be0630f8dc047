import { open, readFile, readlink, rename, writeFile, access, unlink } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { createInterface } from "node:readline";
import { execa } from "execa";
import type { Host, RunOptions, RunResult, WatchHandle, DnsAnswer } from "./host.ts";
import { resolveThrough } from "./node-dns.ts";

/** Every program gets a deadline: a wedged qmicli must not wedge the agent. */
export const DEFAULT_RUN_TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** The real Host: execa with argument arrays and a timeout on every call, never a shell. */
export class ExecaHost implements Host {
  async run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const result = await execa(file, args, {
      reject: false,
      shell: false,
      timeout: options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
      killSignal: "SIGKILL",
      maxBuffer: MAX_OUTPUT_BYTES,
      stripFinalNewline: false,
      // Tools print in the C locale so the parsers see the output they were written against.
      env: { LC_ALL: "C", LANG: "C" },
      ...(options.input !== undefined ? { input: options.input } : { stdin: "ignore" as const }),
    });
    const code = (result as { code?: string }).code;
    return {
      exitCode: typeof result.exitCode === "number" ? result.exitCode : -1,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      stderr: typeof result.stderr === "string" ? result.stderr : String(result.message ?? ""),
      ...(code === "ENOENT" ? { missing: true } : {}),
      ...(result.timedOut ? { timedOut: true } : {}),
    };
  }

  async readFile(path: string): Promise<string | null> {
    try {
      return await readFile(path, "utf8");
    } catch {
      return null;
    }
  }

  async readLink(path: string): Promise<string | null> {
    try {
      return await readlink(path);
    } catch {
      return null;
    }
  }

  /** Temp file in the same directory, fsync, rename: a reader sees the old file or the new one. */
  async writeFileAtomic(path: string, content: string): Promise<void> {
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    const fh = await open(tmp, "w", 0o644);
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }

  async writeDevice(path: string, content: string): Promise<void> {
    await writeFile(path, content, { flag: "w" });
  }

  async exists(path: string): Promise<boolean> {
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  }

  resolveDns(name: string, server: string, timeoutMs: number): Promise<DnsAnswer> {
    return resolveThrough(name, server, timeoutMs);
  }

  watchLines(
    file: string,
    args: readonly string[],
    onLine: (line: string) => void,
    onExit: (code: number | null) => void,
  ): WatchHandle {
    const child = execa(file, args, { reject: false, shell: false, stdin: "ignore", buffer: false, env: { LC_ALL: "C" } });
    if (child.stdout) createInterface({ input: child.stdout }).on("line", onLine);
    let stopped = false;
    void child.then((r) => onExit(stopped ? 0 : typeof r.exitCode === "number" ? r.exitCode : null));
    return {
      stop() {
        stopped = true;
        child.kill("SIGTERM");
      },
    };
  }
}
