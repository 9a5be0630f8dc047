import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "../../helpers/run-bin.ts";
import { canMountTmpfs, mountTmpfs } from "../../helpers/tmpfs-mount.ts";
import { startBroker, startObserver, type Received } from "./helpers/broker.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const DEVICE = "pi-ro";
const isHeartbeat = (r: Received) => r.topic === `uplink/v1/${DEVICE}/heartbeat`;
const storageOf = (r: Received) => r.message.storage as { ok: boolean; path?: string; error?: string; since?: string } | undefined;

/** The agent as systemd runs it, on a simulated Pi, with its data dir on a tmpfs the test remounts. */
async function startAgent(port: number) {
  const mount = mountTmpfs();
  cleanups.push(() => mount.remove());
  const dataDir = join(mount.dir, "state");
  const confDir = await mkdtemp(join(tmpdir(), "uplink-ro-conf-"));
  cleanups.push(() => rm(confDir, { recursive: true, force: true }));
  const configPath = join(confDir, "agent.json");
  await writeFile(
    configPath,
    JSON.stringify({
      deviceId: DEVICE,
      broker: { url: `mqtt://127.0.0.1:${port}`, username: DEVICE, password: "x", reconnectS: 1, connectTimeoutS: 2 },
      dataDir,
      intervals: { heartbeatS: 1, storageRetryS: 1 },
      healing: { enabled: false },
    }),
  );
  const run = () => {
    const child = spawn(process.execPath, [join(ROOT, "agent/bin/uplink-agent.js"), "run", "--config", configPath, "--simulate", join(ROOT, "test/fixtures/snapshots/healthy")], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    });
    /** The agent's log lines with this `event`. */
    const events = (event: string) =>
      output
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.event === event);
    return { child, exited, output: () => output, events };
  };
  return { mount, dataDir, run };
}

describe.skipIf(!canMountTmpfs)("the agent on a read-only data dir", () => {
  it("connects, publishes and reports the storage fault when its data dir is read-only from the start, and keeps running", async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.close());
    const observer = await startObserver(broker.port);
    cleanups.push(() => observer.close());
    const { mount, dataDir, run } = await startAgent(broker.port);
    mount.readOnly();

    const agent = run();
    await observer.waitFor((r) => r.topic === `uplink/v1/${DEVICE}/status` && r.message.state === "online", 30_000);
    await observer.waitFor((r) => r.topic === `uplink/v1/${DEVICE}/health`, 20_000);
    const faulty = await observer.waitFor((r) => isHeartbeat(r) && storageOf(r)?.ok === false, 20_000);
    expect(storageOf(faulty)).toMatchObject({ ok: false, error: expect.stringMatching(/EROFS/), since: expect.any(String) });
    expect(storageOf(faulty)!.path!.startsWith(dataDir)).toBe(true);
    // It goes on beating, from memory.
    await observer.waitFor(() => observer.received.filter((r) => isHeartbeat(r) && storageOf(r)?.ok === false).length >= 3, 20_000);
    expect(agent.child.exitCode).toBeNull();
    expect(agent.events("storage.degraded")).toHaveLength(1);
    expect(agent.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);

    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
  });

  it("keeps reporting when the data dir turns read-only mid-run, and delivers what it made meanwhile once the disk is back", async () => {
    let broker = await startBroker();
    const port = broker.port;
    cleanups.push(() => broker.close());
    const first = await startObserver(port);
    cleanups.push(() => first.close());
    const { mount, dataDir, run } = await startAgent(port);
    const agent = run();
    const healthy = await first.waitFor((r) => isHeartbeat(r) && storageOf(r)?.ok === true, 30_000);
    const bootId = healthy.message.bootId as string;

    mount.readOnly();
    const faulty = await first.waitFor((r) => isHeartbeat(r) && storageOf(r)?.ok === false, 20_000);
    expect(storageOf(faulty)).toMatchObject({ ok: false, error: expect.stringMatching(/EROFS/) });

    // The broker goes away too: what the agent makes now exists only in its memory.
    await first.close();
    await broker.close();
    await new Promise((r) => setTimeout(r, 3_000));
    expect(agent.child.exitCode).toBeNull();

    mount.writable();
    // Written back to disk: the outbox file holds the heartbeats made during the fault.
    const heldIds = await waitForValue(async () => {
      const text = await readFile(join(dataDir, "outbox.jsonl"), "utf8").catch(() => "");
      const held = text
        .split("\n")
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { a?: { id: string; payload: string } }).a)
        .filter((a): a is { id: string; payload: string } => a !== undefined && JSON.parse(a.payload).storage?.ok === false);
      return held.length >= 2 ? held.map((a) => a.id) : null;
    }, 20_000);

    broker = await startBroker(port);
    const second = await startObserver(port);
    cleanups.push(() => second.close());
    await second.waitFor(() => heldIds.every((id) => second.received.some((r) => `${r.message.bootId}:${r.message.seq}` === id)), 30_000);
    const recovered = await second.waitFor((r) => isHeartbeat(r) && r.message.bootId === bootId && storageOf(r)?.ok === true, 20_000);
    expect(storageOf(recovered)).toEqual({ ok: true });
    expect(agent.child.exitCode).toBeNull();
    expect(agent.events("storage.degraded")).toHaveLength(1);
    expect(agent.events("storage.recovered")).toHaveLength(1);
  });
});

async function waitForValue<T>(fn: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 200));
  }
}
