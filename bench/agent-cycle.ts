/**
 * The agent's cost on a Pi: RSS after an hour's worth of cycles (60 diagnoses at the default
 * 60 s schedule, 120 heartbeats at 30 s, each diagnosis followed by health/event publishing and
 * the healing decision), and CPU time per diagnosis cycle. Runs the real Agent on the simulated
 * host (a captured Pi) with a transport that acknowledges at once, so the figure is the agent's
 * own work: parsing, assessment, outbox writes, JSON, not the broker's.
 *
 *   npx tsx bench/agent-cycle.ts [hours=1] [snapshot=interface-down]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { checkConfig } from "../agent/src/config/load.ts";
import { collectSnapshot } from "../agent/src/diagnose/collect.ts";
import { readOnlyCaptures } from "../agent/src/diagnose/commands.ts";
import { diagnose } from "../agent/src/diagnose/diagnose.ts";
import { readSnapshotDir } from "../agent/src/diagnose/snapshot.ts";
import { SimulatedHost } from "../agent/src/host/simulated-host.ts";
import type { Transport } from "../agent/src/mqtt/transport.ts";
import { Agent, diagnoseOptionsOf } from "../agent/src/runtime/agent.ts";
import { systemClock } from "../agent/src/runtime/clock.ts";

const hours = Number(process.argv[2] ?? 1);
const snapshotName = process.argv[3] ?? "wifi-no-upstream";
const dataDir = mkdtempSync(join(tmpdir(), "uplink-bench-"));

function instantTransport(): Transport {
  const onConnect: (() => void)[] = [];
  const t: Transport = {
    connected: true,
    publish: async () => {},
    onConnect: (fn) => void onConnect.push(fn),
    onMessage: () => {},
    end: async () => {},
  };
  setImmediate(() => onConnect.forEach((fn) => fn()));
  return t;
}

const check = checkConfig({ deviceId: "bench-pi", broker: { url: "mqtt://127.0.0.1:1", username: "b", password: "b" }, dataDir, intervals: { heartbeatS: 3600 } });
if (!check.ok) throw new Error(check.errors.join("; "));
const config = check.config;
const host = new SimulatedHost(await readSnapshotDir(join(import.meta.dirname, "../test/fixtures/snapshots", snapshotName)), readOnlyCaptures(diagnoseOptionsOf(config)));
const agent = new Agent({
  config,
  host,
  clock: systemClock,
  log: pino({ level: "silent" }),
  collect: (h, o) => collectSnapshot(h, o),
  assess: diagnose,
  connect: () => instantTransport(),
  schedule: () => ({ stop() {} }),
});
await agent.start();
await new Promise((r) => setTimeout(r, 50));

const cycles = 60 * hours;
global.gc?.();
const rssBefore = process.memoryUsage().rss;
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
for (let i = 0; i < cycles; i++) {
  await agent.diagnoseNow("bench");
  await agent.sendHeartbeat();
  await agent.sendHeartbeat();
}
const cpu = process.cpuUsage(cpuBefore);
const wallMs = performance.now() - wallBefore;
global.gc?.();
const rssAfter = process.memoryUsage().rss;
await agent.stop(500);
rmSync(dataDir, { recursive: true, force: true });

const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
console.log(
  JSON.stringify(
    {
      snapshot: snapshotName,
      simulatedHours: hours,
      diagnoses: agent.diagnoses,
      heartbeats: cycles * 2,
      rssStartMb: mb(rssBefore),
      rssAfterMb: mb(rssAfter),
      heapUsedMb: mb(process.memoryUsage().heapUsed),
      cpuMsPerCycle: ((cpu.user + cpu.system) / 1000 / cycles).toFixed(2),
      wallMsPerCycle: (wallMs / cycles).toFixed(2),
    },
    null,
    2,
  ),
);
