/**
 * The baseline: a bare aedes broker that only relays, and one subscriber on the same device topics
 * as uplink's server (QoS 1, persistent session), which reads each message's `ts` and counts it.
 * No authentication, no validation, no state, no store: what is left is the broker and MQTT itself.
 * Run by bench/fleet-scale.ts as a child process (IPC); alone: `npx tsx bench/bare-broker.ts`.
 */
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { Aedes } from "aedes";
import mqtt from "mqtt";
import { createTopics } from "@uplink/shared";
import { INGEST_CHANNELS } from "../server/src/ingest/server-client.ts";
import { HISTOGRAMS } from "../server/src/metrics.ts";

const topics = createTopics();
const bounds = HISTOGRAMS.uplink_ingest_delay_seconds!.bounds;
const counts = bounds.map(() => 0);
let received = 0;
let sum = 0;

const aedes = await Aedes.createBroker({ id: "bare" });
const server = createServer((socket) => aedes.handle(socket));
await new Promise<void>((resolve) => server.listen(Number(process.env.BARE_PORT ?? 0), "127.0.0.1", () => resolve()));
const port = (server.address() as AddressInfo).port;

const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: "bare-relay-reader", clean: false, protocolVersion: 4 });
await new Promise<void>((resolve) => client.once("connect", () => resolve()));
await client.subscribeAsync(Object.fromEntries(INGEST_CHANNELS.map((c) => [topics.allDevices(c), { qos: 1 as const }])));
const lastSeq = new Map<string, number>();
let duplicates = 0;
client.on("message", (_topic, payload) => {
  // The work the baseline does: read ts for the delay, and drop what a device sent again after a
  // reconnect (QoS 1 resends carry their first ts), as uplink's seq receipt does, so that both
  // count and time the same messages.
  const m = JSON.parse(payload.toString()) as { ts?: string; deviceId?: string; seq?: number };
  const key = `${m.deviceId}`;
  if (m.seq !== undefined && m.seq <= (lastSeq.get(key) ?? 0)) {
    duplicates += 1;
    return;
  }
  if (m.seq !== undefined) lastSeq.set(key, m.seq);
  const ts = m.ts;
  received += 1;
  if (!ts) return;
  const s = Math.max(0, Date.now() - Date.parse(ts)) / 1000;
  sum += s;
  const i = bounds.findIndex((b) => s <= b);
  if (i >= 0) counts[i]! += 1;
});

/** The same text format as uplink's /metrics, so that the benchmark reads both alike. */
function render(): string {
  let cumulative = 0;
  const lines = bounds.map((b, i) => `uplink_ingest_delay_seconds_bucket{le="${b}"} ${(cumulative += counts[i]!)}`);
  lines.push(`uplink_ingest_delay_seconds_bucket{le="+Inf"} ${received}`, `uplink_ingest_delay_seconds_sum ${sum}`);
  lines.push(`uplink_ingest_delay_seconds_count ${received}`, `uplink_messages_in_total ${received}`, `bare_duplicates_total ${duplicates}`);
  return `${lines.join("\n")}\n`;
}

process.on("message", (m: unknown) => {
  if ((m as { type?: string }).type === "metrics") process.send?.({ type: "metrics", text: render() });
});
process.send?.({ type: "listening", port });
if (!process.send) console.log(`bare aedes relay on mqtt://127.0.0.1:${port}`);
process.on("disconnect", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
