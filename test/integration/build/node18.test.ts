import { execFile, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnosisSchema } from "@uplink/shared";
import { ensureBuilt, node18, NODE18_VERSION } from "../../helpers/built-agent.ts";
import { ROOT } from "../../helpers/run-bin.ts";
import { startBroker, startObserver } from "../agent/helpers/broker.ts";

/**
 * The bundle as a Pi runs it: Raspberry Pi OS Bookworm's Node 18.19, the bundle and its map alone
 * in a directory with no node_modules anywhere above it.
 */
/** The flags of deploy/systemd/uplink-agent.service's ExecStart. */
const UNIT_FLAGS = /^ExecStart=\S+ (.*?) \/usr\/lib\/uplink-agent\/uplink-agent\.mjs/m
  .exec(readFileSync(join(ROOT, "deploy/systemd/uplink-agent.service"), "utf8"))![1]!
  .split(" ");
let node = "";
let dir = "";
let bundle = "";
beforeAll(() => {
  const built = ensureBuilt();
  node = node18();
  dir = mkdtempSync(join(tmpdir(), "uplink-node18-"));
  bundle = join(dir, "uplink-agent.mjs");
  copyFileSync(built, bundle);
  copyFileSync(`${built}.map`, `${bundle}.map`);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, ["--enable-source-maps", bundle, ...args], { cwd: dir, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe(`the built agent on Node ${NODE18_VERSION}`, () => {
  it("is that Node", async () => {
    const r = await new Promise<string>((resolve) => execFile(node, ["--version"], (_e, out) => resolve(out.trim())));
    expect(r).toBe(`v${NODE18_VERSION}`);
  });

  it("prints its version", async () => {
    const r = await run(["--version"]);
    expect(r.code, r.stderr).toBe(0);
    const version = JSON.parse(readFileSync(join(ROOT, "agent/package.json"), "utf8")).version;
    expect(r.stdout).toBe(`uplink-agent ${version}\n`);
  });

  it("parses a capture", async () => {
    const r = await run(["parse", "qmicli.uim-get-card-status", join(ROOT, "test/fixtures/qmicli/uim-get-card-status/present-pin-disabled-quectel-rm510q.txt")]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ cardState: "present" });
  });

  it("diagnoses a snapshot", async () => {
    const r = await run(["diagnose", "--from", join(ROOT, "test/fixtures/snapshots/no-sim"), "--json"]);
    // Exit 1: a layer fails (no SIM).
    expect(r.code, r.stderr).toBe(1);
    const diagnosis = diagnosisSchema.parse(JSON.parse(r.stdout));
    expect(JSON.stringify(diagnosis)).toMatch(/sim/i);
  });

  it("names the TypeScript source in a stack trace (its source map)", async () => {
    // A write that throws inside the agent's own code: the stack printed is mapped back.
    const probe = join(dir, "probe.mjs");
    writeFileSync(
      probe,
      `process.argv = [process.argv[0], ${JSON.stringify(bundle)}, "parse", "--list"];
process.stdout.write = () => { throw new Error("probe"); };
await import(${JSON.stringify(bundle)});`,
    );
    const r = await new Promise<string>((resolve) => execFile(node, ["--enable-source-maps", probe], { cwd: dir }, (_e, _o, stderr) => resolve(stderr)));
    expect(r).toMatch(/Error: probe/);
    expect(r).toMatch(/src\/cli\/parse-cmd\.ts:\d+:\d+/);
  });

  it("runs on a simulated Pi with the unit's flags, publishes to a broker, and starts no child process", async () => {
    const broker = await startBroker();
    const observer = await startObserver(broker.port);
    const config = join(dir, "agent.json");
    writeFileSync(config, JSON.stringify({ deviceId: "pi-node18", broker: { url: `mqtt://127.0.0.1:${broker.port}`, username: "pi-node18", password: "x" }, dataDir: join(dir, "state") }));
    let child: ChildProcess | undefined;
    let out = "";
    try {
      // With the systemd unit's V8 flags, as the Pi runs it.
      child = spawn(node, [...UNIT_FLAGS, bundle, "run", "--config", config, "--simulate", join(ROOT, "test/fixtures/snapshots/healthy")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (out += d));
      await observer.waitFor((r) => r.topic === "uplink/v1/pi-node18/status" && r.message.state === "online", 20_000);
      const health = await observer.waitFor((r) => r.topic === "uplink/v1/pi-node18/health", 20_000);
      expect(health.message).toMatchObject({ deviceId: "pi-node18" });
      // Nothing but the agent's own JSON lines: no V8 warning about the flags.
      expect(out.split("\n").filter((l) => l && !l.startsWith("{"))).toEqual([]);
      expect(children(child.pid!)).toEqual([]);
      const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited, out).toBe(0);
    } finally {
      if (child && child.exitCode === null) child.kill("SIGKILL");
      await observer.close();
      await broker.close();
    }
  });
});

/** The process's children, from /proc: every thread's `children` list. */
function children(pid: number): number[] {
  const ids: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const list = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    if (list) ids.push(...list.split(/\s+/).map(Number));
  }
  return ids;
}
