import type { MqttClient } from "mqtt";
import { MAX_PAYLOAD_BYTES } from "@uplink/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAGE_BYTES } from "../../../server/src/api/page-budget.ts";
import { VIEW_EVENT_BYTES } from "../../../server/src/api/view-bounds.ts";
import { auth, connectDevice, eventMessage, eventually, healthMessage, publish, registerDevice, startTestServer } from "./helpers.ts";

/** A device view may hold one layer report, the recent events' budget and a few KiB besides. */
const DEVICE_VIEW_BOUND = MAX_PAYLOAD_BYTES + VIEW_EVENT_BYTES + 16 * 1024;

describe("the API's answers about a device that sends too much", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let device: MqttClient;
  let seq = 1;

  beforeAll(async () => {
    server = await startTestServer();
    const creds = await registerDevice(server, "pi-1");
    device = await connectDevice(server.mqttUrl, { clientId: "pi-1", ...creds });
  });
  afterAll(async () => {
    await device?.endAsync(true);
    await server?.close();
  });

  const get = (url: string) => server.app.inject({ url, headers: auth(server.token) });

  it("refuses events with 29,000 links, and the device's answer stays small", async () => {
    const links = Array.from({ length: 29_000 }, (_, i) => i.toString(36));
    for (let i = 0; i < 25; i++) {
      await publish(device, "pi-1", "events", { ...eventMessage("pi-1", ++seq), type: "agent.started", agentVersion: "0.1.0", links });
    }
    await publish(device, "pi-1", "events", eventMessage("pi-1", ++seq));
    await eventually(() => server.fleet.device("pi-1")?.recentEvents.length === 1, "the one valid event");
    expect(server.metrics.get("uplink_messages_rejected_total", { reason: "schema" })).toBe(25);
    const res = await get("/api/v1/devices/pi-1");
    expect(res.statusCode).toBe(200);
    expect(Buffer.byteLength(res.body)).toBeLessThan(DEVICE_VIEW_BOUND);
    expect(Buffer.byteLength((await get("/api/v1/devices/pi-1/events?limit=1000")).body)).toBeLessThan(PAGE_BYTES);
  });

  it("pages large layer reports by size as well as count, and the cursor still reaches every one", async () => {
    // Each report is schema-valid and near the payload limit: 4 links x 7 layers x 32 facts of 240 characters.
    const big = healthMessage("pi-1", 0);
    const evidence = Array.from({ length: 32 }, (_, i) => ({ kind: "dmesg", fact: `${i} ${"f".repeat(236)}` }));
    const layers = ["hardware", "session", "interface", "ip", "routing", "dns", "application"].map((name, i) => ({ layer: i + 1, name, state: "ok", summary: "ok", evidence }));
    big.links = Object.fromEntries(["wwan0", "wlan0", "eth0", "usb0"].map((l) => [l, { ...big.links.wlan0!, layers }])) as typeof big.links;
    const reports = 30;
    for (let i = 0; i < reports; i++) await publish(device, "pi-1", "health", { ...big, seq: ++seq });
    await eventually(() => server.fleet.device("pi-1")?.health?.seq === seq, "the last report");
    let cursor: string | null = null;
    let seen = 0;
    let pages = 0;
    do {
      const res = await get(`/api/v1/devices/pi-1/health?limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
      expect(Buffer.byteLength(res.body)).toBeLessThan(PAGE_BYTES + 64 * 1024);
      const page = res.json() as { items: unknown[]; nextCursor: string | null };
      seen += page.items.length;
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toBe(reports);
    expect(pages).toBeGreaterThan(1);
  });
});
