import { startBroker, startObserver } from "./broker.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import pino from "pino";
import { checkConfig } from "../../../../agent/src/config/load.ts";
import type { AgentConfig, AgentConfigInput } from "../../../../agent/src/config/schema.ts";
import { collectSnapshot } from "../../../../agent/src/diagnose/collect.ts";
import { readOnlyCaptures } from "../../../../agent/src/diagnose/commands.ts";
import { diagnose } from "../../../../agent/src/diagnose/diagnose.ts";
import { readSnapshotDir } from "../../../../agent/src/diagnose/snapshot.ts";
import type { Host } from "../../../../agent/src/host/host.ts";
import { SimulatedHost } from "../../../../agent/src/host/simulated-host.ts";
import { connectMqtt } from "../../../../agent/src/mqtt/connection.ts";
import { Agent, diagnoseOptionsOf } from "../../../../agent/src/runtime/agent.ts";
import { systemClock } from "../../../../agent/src/runtime/clock.ts";

export const SNAPSHOTS = join(import.meta.dirname, "../../../fixtures/snapshots");
export const DEVICE = "pi-test-1";

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "uplink-agent-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(port: number, dataDir: string, overrides: Partial<AgentConfigInput> = {}): AgentConfig {
  const check = checkConfig({
    deviceId: DEVICE,
    broker: { url: `mqtt://127.0.0.1:${port}`, username: DEVICE, password: "secret", reconnectS: 1, keepaliveS: 5, connectTimeoutS: 2 },
    dataDir,
    intervals: { heartbeatS: 3600 },
    healing: { enabled: false },
    ...overrides,
  });
  if (!check.ok) throw new Error(check.errors.join("; "));
  return check.config;
}

/** A simulated Pi from one of the captured snapshots. */
export async function simulatedPi(config: AgentConfig, snapshot: string): Promise<SimulatedHost> {
  const options = diagnoseOptionsOf(config);
  return new SimulatedHost(await readSnapshotDir(join(SNAPSHOTS, snapshot)), readOnlyCaptures(options), {
    links: options.links,
    metrics: config.preference.metrics,
  });
}

export function makeAgent(config: AgentConfig, host: Host, timeoutMs?: (name: string) => number): Agent {
  return new Agent({
    config,
    host,
    clock: systemClock,
    log: pino({ level: process.env.UPLINK_TEST_LOG ?? "silent" }),
    collect: (h, o) => collectSnapshot(h, o),
    assess: diagnose,
    connect: connectMqtt,
    schedule: () => ({ stop() {} }),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

export function request(name: string, args: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) {
  const now = Date.now();
  return {
    v: 1,
    id: randomUUID(),
    name,
    args,
    issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 60_000).toISOString(),
    issuedBy: "test",
    ...overrides,
  };
}

export const cmdTopic = `uplink/v1/${DEVICE}/cmd/req`;

/**
 * What most agent tests start with: a broker on port 0, an observer recording everything under the
 * root, a data dir and a config for them; each registered for cleanup in `cleanups`.
 */
export async function brokerRig(cleanups: (() => Promise<void> | void)[], overrides: Partial<AgentConfigInput> = {}) {
  const broker = await startBroker();
  cleanups.push(() => broker.close());
  const observer = await startObserver(broker.port);
  cleanups.push(() => observer.close());
  const tmp = tempDir();
  cleanups.push(() => tmp.remove());
  return { broker, observer, tmp, config: testConfig(broker.port, tmp.dir, overrides) };
}
