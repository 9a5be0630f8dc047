import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "../../helpers/run-bin.ts";
import { startBroker, startObserver } from "./helpers/broker.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function agentConfig(port: number, extra: Record<string, unknown> = {}) {
  const dir = await mkdtemp(join(tmpdir(), "uplink-agent-proc-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "agent.json");
  const config = { deviceId: "pi-proc", broker: { url: `mqtt://127.0.0.1:${port}`, username: "pi-proc", password: "x" }, dataDir: join(dir, "state"), ...extra };
  await writeFile(path, JSON.stringify(config));
  return path;
}

function runAgent(args: string[]) {
  const child = spawn(process.execPath, [join(ROOT, "agent/bin/uplink-agent.js"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
  });
  return { child, exited, output: () => stdout + stderr };
}

describe("the agent as a process", () => {
  it("publishes offline and exits 0 on SIGTERM", async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.close());
    const observer = await startObserver(broker.port);
    cleanups.push(() => observer.close());
    const agent = runAgent(["run", "--config", await agentConfig(broker.port), "--simulate", join(ROOT, "test/fixtures/snapshots/healthy")]);
    await observer.waitFor((r) => r.topic === "uplink/v1/pi-proc/status" && r.message.state === "online", 20_000);
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
    const offline = await observer.waitFor((r) => r.topic === "uplink/v1/pi-proc/status" && r.message.state === "offline");
    expect(offline.message).toMatchObject({ reason: "shutdown", seq: 1 });
  });

  it("stops at start on a bad config with the field and why, not a stack trace", async () => {
    const path = await agentConfig(1, { deviceId: "Not/A/Device", links: { wifi: "wlan0; reboot" } });
    const agent = runAgent(["run", "--config", path]);
    expect(await agent.exited).toBe(78);
    expect(agent.output()).toMatch(/deviceId/);
    expect(agent.output()).toMatch(/links\.wifi/);
    expect(agent.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
