import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExecaHost } from "../../../agent/src/host/execa-host.ts";

const host = new ExecaHost();

describe("the real Host", () => {
  it("runs a program with an argument array and hands back its output and exit code", async () => {
    expect(await host.run("sh", ["-c", "echo out; echo err >&2; exit 3"])).toMatchObject({ exitCode: 3, stdout: "out\n", stderr: "err\n" });
  });

  it("passes shell syntax in an argument as a plain string, never to a shell", async () => {
    expect((await host.run("echo", ["$(id); rm -rf /"])).stdout).toBe("$(id); rm -rf /\n");
  });

  it("says missing, not failed, for a program that is not installed", async () => {
    expect(await host.run("uplink-no-such-program", [])).toMatchObject({ missing: true });
  });

  it("feeds a program its input on stdin", async () => {
    expect(await host.run("cat", [], { input: "AT+CSQ\r\n" })).toMatchObject({ exitCode: 0, stdout: "AT+CSQ\r\n" });
  });

  it("runs tools in the C locale, with the rest of the environment", async () => {
    const r = await host.run("sh", ["-c", 'echo "$LC_ALL $LANG ${PATH:+path}"']);
    expect(r.stdout).toBe("C C path\n");
  });

  it("watches a program's lines, and says when it ends (null when it never started)", async () => {
    const lines: string[] = [];
    const code = await new Promise<number | null>((resolve) => host.watchLines("sh", ["-c", "echo one; echo two; exit 4"], (l) => lines.push(l), resolve));
    expect(lines).toEqual(["one", "two"]);
    expect(code).toBe(4);
    expect(await new Promise((resolve) => host.watchLines("uplink-no-such-program", [], () => {}, resolve))).toBeNull();
  });

  it("stops a program at its timeout", async () => {
    const started = Date.now();
    expect(await host.run("sleep", ["5"], { timeoutMs: 200 })).toMatchObject({ timedOut: true });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("writes a file atomically and reads it back; a missing file reads as null", async () => {
    const dir = mkdtempSync(join(tmpdir(), "host-"));
    try {
      await host.writeFileAtomic(join(dir, "resolv.conf"), "nameserver 8.8.8.8\n");
      expect(readFileSync(join(dir, "resolv.conf"), "utf8")).toBe("nameserver 8.8.8.8\n");
      expect(await host.readFile(join(dir, "nope"))).toBeNull();
      expect(await host.readLink(join(dir, "resolv.conf"))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
