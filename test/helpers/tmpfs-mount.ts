import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A small tmpfs the test can remount read-only: root cannot be kept out of a directory by chmod,
 * but a read-only mount refuses every write with EROFS, as an SD card remounted read-only does.
 */
export interface TmpfsMount {
  dir: string;
  readOnly(): void;
  writable(): void;
  remove(): void;
}

function mount(args: string[]) {
  execFileSync("mount", args, { stdio: "pipe" });
}

export function mountTmpfs(sizeKb = 4096): TmpfsMount {
  const dir = mkdtempSync(join(tmpdir(), "uplink-ro-"));
  mount(["-t", "tmpfs", "-o", `size=${sizeKb}k,mode=0700`, "tmpfs", dir]);
  return {
    dir,
    readOnly: () => mount(["-o", "remount,ro", dir]),
    writable: () => mount(["-o", "remount,rw", dir]),
    remove() {
      try {
        execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Root, and allowed to mount (not in a container without CAP_SYS_ADMIN): else the tests skip. */
export const canMountTmpfs: boolean = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    const m = mountTmpfs(64);
    m.readOnly();
    m.remove();
    return true;
  } catch {
    return false;
  }
})();

export function mkdirp(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}
