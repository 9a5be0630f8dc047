/**
 * Ingest benchmark: N simulated devices (real mqtt.js connections, real credentials) publish to the
 * embedded broker of a real server (SQLite in a temp dir, WAL); prints messages/s taken into the
 * fleet state, the publish-to-state delay p50/p99 and the process RSS (server and devices share
 * this process). Ends by itself: at most BENCH_MAX_S seconds (default 90).
 *
 *   npx tsx bench/server-ingest.ts            # 100 devices x 200 messages
 *   BENCH_DEVICES=500 BENCH_MESSAGES=100 npx tsx bench/server-ingest.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { createTopics } from "@uplink/shared";
import { addDevice } from "../server/src/auth/credentials.ts";
import { startServer } from "../server/src/server.ts";
import { eventMessage, healthMessage, heartbeatMessage } from "../test/unit/server/messages.ts";

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200);
const MAX_S = Number(process.env.BENCH_MAX_S ?? 90);
const IN_FLIGHT = 10;

const topics = createTopics();
const dir = mkdtempSync(join(tmpdir(), "uplink-bench-"));
const deadline = setTimeout(() => {
  console.error(`bench: gave up after ${MAX_S} s`);
  process.exit(1);
}, MAX_S * 1000);

const server = await startServer({ dataDir: dir, httpPort: 0, listenHttp: false, mqttPort: 0, mqttHost: "127.0.0.1" });
const sentAt = new Map<string, number>();
const delays: number[] = [];
let lastStateAt = 0;
server.fleet.onUpdate((u) => {
  if (u.type !== "device") return;
  const key = `${u.deviceId}:${u.device.seq.boots[0]?.maxSeq ?? 0}`;
  const t = sentAt.get(key);
  if (t === undefined) return;
  sentAt.delete(key);
  lastStateAt = performance.now();
  delays.push(lastStateAt - t);
});

const creds = [];
for (let i = 0; i < DEVICES; i++) creds.push(await addDevice(server.store, `bench-${i}`));
const clients: MqttClient[] = await Promise.all(
  creds.map(
    (c) =>
      new Promise<MqttClient>((resolve, reject) => {
        const client = mqtt.connect(server.mqttUrl, { clientId: c.deviceId, username: c.username, password: c.password, clean: false, reconnectPeriod: 0 });
        client.once("connect", () => resolve(client));
        client.once("error", reject);
      }),
  ),
);
console.log(`bench: ${DEVICES} devices connected; ${MESSAGES} messages each (heartbeats, an event every 10th, a health report every 50th)`);

function messageFor(deviceId: string, seq: number): { topic: string; payload: string } {
  if (seq % 50 === 0) return { topic: topics.device(deviceId, "health"), payload: JSON.stringify(healthMessage(deviceId, seq, null)) };
  if (seq % 10 === 0) return { topic: topics.device(deviceId, "events"), payload: JSON.stringify(eventMessage(deviceId, seq)) };
  return { topic: topics.device(deviceId, "heartbeat"), payload: JSON.stringify(heartbeatMessage(deviceId, seq)) };
}

const start = performance.now();
await Promise.all(
  clients.map(async (client, i) => {
    const deviceId = `bench-${i}`;
    let seq = 0;
    // A few QoS 1 publishes in flight per device, as an agent draining its outbox would have.
    const lanes = Array.from({ length: IN_FLIGHT }, async () => {
      while (seq < MESSAGES) {
        const s = ++seq;
        const m = messageFor(deviceId, s);
        sentAt.set(`${deviceId}:${s}`, performance.now());
        await client.publishAsync(m.topic, m.payload, { qos: 1 });
      }
    });
    await Promise.all(lanes);
  }),
);
const total = DEVICES * MESSAGES;
while (delays.length < total && performance.now() - start < (MAX_S - 10) * 1000) await new Promise((r) => setTimeout(r, 20));
const elapsedS = (lastStateAt - start) / 1000;
delays.sort((a, b) => a - b);
const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor((p / 100) * delays.length))]!.toFixed(1);
const received = Object.values(server.fleet.state.devices).reduce((n, d) => n + d.seq.received, 0);
const gaps = Object.values(server.fleet.state.devices).reduce((n, d) => n + d.seq.gaps, 0);

console.log(`bench: ingested ${received}/${total} messages in ${elapsedS.toFixed(2)} s = ${Math.round(received / elapsedS)} messages/s, gaps ${gaps}`);
console.log(`bench: burst publish-to-state delay p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${delays.at(-1)!.toFixed(1)} ms (${delays.length} samples)`);

// Phase 2, paced: the delay a device sees when the server is not saturated (each device one
// message every PACE_MS for 5 s), which is what a fleet's steady heartbeats look like.
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 100);
delays.length = 0;
const pacedEnd = performance.now() + 5000;
await Promise.all(
  clients.map(async (client, i) => {
    const deviceId = `bench-${i}`;
    let seq = MESSAGES;
    await new Promise((r) => setTimeout(r, Math.random() * PACE_MS));
    while (performance.now() < pacedEnd) {
      const s = ++seq;
      const m = messageFor(deviceId, s);
      sentAt.set(`${deviceId}:${s}`, performance.now());
      await client.publishAsync(m.topic, m.payload, { qos: 1 });
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
  }),
);
await new Promise((r) => setTimeout(r, 200));
delays.sort((a, b) => a - b);
console.log(`bench: paced at ${Math.round((DEVICES * 1000) / PACE_MS)} messages/s: delay p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms (${delays.length} samples)`);
console.log(`bench: RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB (server and ${DEVICES} device clients in one process)`);

await Promise.all(clients.map((c) => c.endAsync(true)));
await server.close();
rmSync(dir, { recursive: true, force: true });
clearTimeout(deadline);
