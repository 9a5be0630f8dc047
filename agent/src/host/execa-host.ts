import { open, readFile, readlink, rename, writeFile, access, unlink } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Host, RunOptions, RunResult, WatchHandle, DnsAnswer } from "./host.ts";
import { resolveThrough } from "./node-dns.ts";

/** Every program gets a deadline: a wedged qmicli must not wedge the agent. */
export const DEFAULT_RUN_TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Tools print in the C locale so the parsers see the output they were written against. */
const toolEnv = (): NodeJS.ProcessEnv => ({ ...process.env, LC_ALL: "C", LANG: "C" });

/**
 * The real Host: node:child_process with argument arrays and a timeout on every call, never a
 * shell. (Named for execa, which it used until the agent's footprint was measured: execa and the
 * modules it loads cost ~8 MB of RSS for what these forty lines do.)
 */
export class ExecaHost implements Host {
  run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve) => {
      const withInput = options.input !== undefined;
      let child: ChildProcess;
      try {
        child = spawn(file, args, { shell: false, env: toolEnv(), stdio: [withInput ? "pipe" : "ignore", "pipe", "pipe"] });
      } catch (err) {
        resolve({ exitCode: -1, stdout: "", stderr: (err as Error).message });
        return;
      }
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let bytes = 0;
      let timedOut = false;
      let spawnError: NodeJS.ErrnoException | undefined;
      let settled = false;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_OUTPUT_BYTES) child.kill("SIGKILL");
        else into.push(chunk);
      };
      child.stdout!.on("data", collect(out));
      child.stderr!.on("data", collect(errOut));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
      const finish = (code: number | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const stderr = Buffer.concat(errOut).toString("utf8");
        resolve({
          exitCode: typeof code === "number" ? code : -1,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: stderr === "" && spawnError ? spawnError.message : stderr,
          ...(spawnError?.code === "ENOENT" ? { missing: true } : {}),
          ...(timedOut ? { timedOut: true } : {}),
        });
      };
      child.on("error", (err: NodeJS.ErrnoException) => {
        spawnError = err;
        // Never started (ENOENT, EACCES): there will be no exit to wait for.
        if (child.pid === undefined) finish(null);
      });
      child.on("close", (code) => finish(code));
      if (withInput) {
        child.stdin!.on("error", () => {}); // a tool that exits before reading all of it
        child.stdin!.end(options.input);
      }
    });
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
    const child = spawn(file, args, { shell: false, stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, LC_ALL: "C" } });
    createInterface({ input: child.stdout! }).on("line", onLine);
    let stopped = false;
    let exited = false;
    const exit = (code: number | null) => {
      if (exited) return;
      exited = true;
      onExit(stopped ? 0 : code);
    };
    child.on("error", () => {
      if (child.pid === undefined) exit(null);
    });
    child.on("close", (code) => exit(code));
    return {
      stop() {
        stopped = true;
        child.kill("SIGTERM");
      },
    };
  }
}
