import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { MqttClient } from "mqtt";
import { commandRequestSchema } from "@uplink/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESPONSE_BOUNDS } from "../../../server/src/state/command-lifecycle.ts";
import { openSse, type SseClient } from "../../helpers/sse-client.ts";
import { auth, connectDevice, eventually, publish, registerDevice, responseMessage, startTestServer, topics } from "./helpers.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const MiB = 1024 * 1024;

/** Heap in use after a full collection: what the server keeps, not what it has yet to free. */
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

// The attack of issue 11, as reproduced: after a command, 150 progress responses of 200 KB each
// (bulk in `result`, whose values the schema cannot bound one by one), the final answer, and 50
// more of 200 KB after it is final.
const PROGRESS = 150;
const AFTER_FINAL = 50;
const BULK = { blob: "x".repeat(200_000) };

/** What one stored record may weigh: the responses' bound and the record's own small fields. */
const RECORD_BOUND = RESPONSE_BOUNDS.bytes + 64 * 1024;
/** What the server may keep after the attack, heap after GC: one bounded record, many times over. */
const HEAP_BOUND = 16 * MiB;
/** Resident memory (the in-memory SQLite store included): the reported attack reached 2.5 GB. */
const RSS_BOUND = 256 * MiB;
/** What one reading SSE client may receive: about what the device sent (~40 MB), not its square. */
const SSE_BOUND = 64 * MiB;

describe("one device answering a command without end", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let device: MqttClient;
  let sse: SseClient;
  let commandId: string;
  let heapBefore: number;
  let rssBefore: number;

  beforeAll(async () => {
    server = await startTestServer({ listenHttp: true, httpHost: "127.0.0.1" });
    const creds = await registerDevice(server, "pi-1");
    device = await connectDevice(server.mqttUrl, { clientId: "pi-1", ...creds });
    await device.subscribeAsync(topics.device("pi-1", "cmd/req"), { qos: 1 });
    sse = await openSse(server.httpUrl!, server.token, { path: "/api/v1/stream?types=command,device" });
    heapBefore = heapUsed();
    rssBefore = process.memoryUsage().rss;

    let seq = 1;
    const sent = new Promise<void>((done) => {
      device.once("message", async (_topic, payload) => {
        const req = commandRequestSchema.parse(JSON.parse(payload.toString()));
        const answer = (state: Parameters<typeof responseMessage>[4], extra = {}) =>
          publish(device, "pi-1", "cmd/res", responseMessage("pi-1", ++seq, req.id, req.name, state, extra));
        await answer("accepted");
        for (let i = 0; i < PROGRESS; i++) await answer("progress", { step: `step ${i}`, result: BULK });
        await answer("succeeded", { message: "done", output: "lease of 192.168.1.23 obtained" });
        for (let i = 0; i < AFTER_FINAL; i++) await answer("progress", { step: `after ${i}`, result: BULK });
        done();
      });
    });
    const res = await server.app.inject({ method: "POST", url: "/api/v1/devices/pi-1/commands", headers: auth(server.token), payload: { name: "dhcp.renew", args: { iface: "wlan0" } } });
    commandId = res.json().id;
    await sent;
    await eventually(
      () => server.metrics.get("uplink_command_responses_ignored_total", { why: "after-final" }) === AFTER_FINAL,
      "every response after the final one counted",
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    sse?.close();
    await device?.endAsync(true);
    await server?.close();
  });

  it("keeps a stored record under its bound, with the first, the latest steps and the final answer", () => {
    const stored = server.store.getCommand(commandId)!;
    const size = Buffer.byteLength(JSON.stringify(stored));
    console.log(`stored record: ${(size / 1024).toFixed(0)} KiB of ${RECORD_BOUND / 1024} KiB allowed; ${stored.responses.length} responses`);
    expect(size).toBeLessThan(RECORD_BOUND);
    expect(stored.state).toBe("succeeded");
    expect(stored.responses.map((r) => r.step ?? r.state)).toEqual([
      "accepted",
      ...Array.from({ length: RESPONSE_BOUNDS.steps }, (_, i) => `step ${PROGRESS - RESPONSE_BOUNDS.steps + i}`),
      "succeeded",
    ]);
  });

  it("serves the command over the API within the same bound", async () => {
    const res = await server.app.inject({ url: `/api/v1/commands/${commandId}`, headers: auth(server.token) });
    expect(res.statusCode).toBe(200);
    expect(Buffer.byteLength(res.body)).toBeLessThan(RECORD_BOUND);
  });

  it("ignores what came after the final answer: counted in /metrics, not stored", async () => {
    const metrics = (await server.app.inject({ url: "/metrics" })).body;
    expect(metrics).toContain(`uplink_command_responses_ignored_total{why="after-final"} ${AFTER_FINAL}`);
    expect(JSON.stringify(server.store.getCommand(commandId))).not.toContain("after 0");
  });

  it("streams about what the device sent to a reading client, not the square of it", () => {
    console.log(`SSE client received ${(sse.bytes / MiB).toFixed(1)} MiB (bound ${SSE_BOUND / MiB} MiB)`);
    expect(sse.bytes).toBeLessThan(SSE_BOUND);
  });

  it("keeps the server's memory within a bound", () => {
    const growth = heapUsed() - heapBefore;
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    console.log(`heap growth after GC: ${(growth / MiB).toFixed(1)} MiB (bound ${HEAP_BOUND / MiB} MiB); RSS growth ${(rssGrowth / MiB).toFixed(0)} MiB (bound ${RSS_BOUND / MiB} MiB)`);
    expect(growth).toBeLessThan(HEAP_BOUND);
    expect(rssGrowth).toBeLessThan(RSS_BOUND);
  });
});
