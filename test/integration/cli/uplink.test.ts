import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT, runWithReaderGone } from "../../helpers/run-bin.ts";

const UPLINK = "server/bin/uplink.js";

describe("the uplink bin", () => {
  it("ends quietly with exit 0 when the reader closes early (| head -1)", async () => {
    const { code, stderr } = await runWithReaderGone(UPLINK, ["--help"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("runs from a clone as the README says: npx uplink", async () => {
    // npm install links the workspaces' bins into node_modules/.bin, where npx finds them.
    const out = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile("npx", ["--no-install", "uplink", "--help"], { cwd: ROOT, timeout: 60_000 }, (err, stdout) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout }),
      ),
    );
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^usage: uplink <command>/);
  });
});
