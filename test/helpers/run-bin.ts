import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(fileURLToPath(import.meta.url), "..", "..", "..");

export interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one of the project's bins as a user would, with optional stdin. */
export function runBin(bin: string, args: string[], input?: string): Promise<BinResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(ROOT, bin), ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Runs a bin whose standard output's reader has gone before it writes, as `| head -1` leaves it. */
export function runWithReaderGone(bin: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, bin), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}
