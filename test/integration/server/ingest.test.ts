import type { MqttClient } from "mqtt";
import { MAX_PAYLOAD_BYTES } from "@uplink/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  auth,
  connectDevice,
  eventMessage,
  eventually,
  healthMessage,
  heartbeatMessage,
  publish,
  registerDevice,
  startTestServer,
  statusMessage,
} from "./helpers.ts";

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe("ingest over a real broker", () => {
  let server: Server;
  let pi: MqttClient;

  beforeEach(async () => {
    server = await startTestServer();
    const creds = await registerDevice(server, "pi-1");
    pi = await connectDevice(server.mqttUrl, { clientId: "pi-1", ...creds });
  });
  afterEach(async () => {
    await pi.endAsync(true);
    await server.close();
  });

  const received = () => server.fleet.device("pi-1")?.seq.received ?? 0;

  it("takes each (bootId, seq) once and counts the redeliveries", async () => {
    await publish(pi, "pi-1", "status", statusMessage("pi-1", 1), true);
    const hb = heartbeatMessage("pi-1", 2);
    await publish(pi, "pi-1", "heartbeat", hb);
    await publish(pi, "pi-1", "heartbeat", hb);
    await publish(pi, "pi-1", "heartbeat", hb);
    await publish(pi, "pi-1", "events", eventMessage("pi-1", 3));
    await eventually(() => received() === 3, "three messages");
    await eventually(() => server.metrics.get("uplink_messages_duplicate_total") === 2, "two duplicates");
    const d = server.fleet.device("pi-1")!;
    expect(d.seq).toMatchObject({ received: 3, duplicates: 2, gaps: 0 });
    expect(d.online).toBe(true);
    expect(d.recentEvents).toHaveLength(1);
  });

  it("counts a gap when seqs are skipped and closes it when the late one arrives", async () => {
    for (const seq of [1, 2, 5]) await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", seq));
    await eventually(() => received() === 3, "three heartbeats");
    expect(server.fleet.device("pi-1")!.seq.gaps).toBe(2);
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 3));
    await eventually(() => received() === 4, "the late one");
    expect(server.fleet.device("pi-1")!.seq).toMatchObject({ gaps: 1, boots: [{ missing: [4] }] });
  });

  it("shows the gaps and the heartbeats the device shed in the API", async () => {
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 1));
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 4, undefined, 7));
    await eventually(() => received() === 2, "two heartbeats");
    const res = await server.app.inject({ url: "/api/v1/devices/pi-1", headers: auth(server.token) });
    expect(res.json().delivery).toMatchObject({ received: 2, gaps: 2, duplicates: 0, droppedByDevice: 7 });
    const metrics = (await server.app.inject({ url: "/metrics" })).body;
    expect(metrics).toMatch(/^uplink_seq_gaps 2$/m);
    expect(metrics).toMatch(/^uplink_heartbeats_dropped_by_devices 7$/m);
  });

  it("stores a previous boot's message that comes after the new boot began, without turning back the live state", async () => {
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 2, "boot-one-0001"));
    await publish(pi, "pi-1", "status", statusMessage("pi-1", 1, "online", "boot-two-0002"), true);
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 3, "boot-one-0001"));
    await eventually(() => received() === 3, "all three messages");
    expect(server.fleet.device("pi-1")!.seq).toMatchObject({ bootId: "boot-two-0002", received: 3, gaps: 0, stale: 0 });
    expect(server.fleet.device("pi-1")!.bootId).toBe("boot-two-0002");
    const stored = server.store.listHeartbeats({ deviceId: "pi-1", limit: 10 }).items.map((h) => `${h.message.bootId}:${h.message.seq}`);
    expect(stored).toEqual(["boot-one-0001:3", "boot-one-0001:2"]);
  });

  it("refuses a seq that jumps to 2^53-1, counts the anomaly, and takes the next normal messages", async () => {
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 2));
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", Number.MAX_SAFE_INTEGER));
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 3));
    await eventually(() => received() === 2, "the two normal heartbeats");
    expect(server.fleet.device("pi-1")!.seq).toMatchObject({ gaps: 0, duplicates: 0, anomalies: 1 });
    expect(server.metrics.get("uplink_seq_anomalies_total")).toBe(1);
    expect(server.store.listHeartbeats({ deviceId: "pi-1", limit: 10 }).items).toHaveLength(2);
  });

  it.each([
    ["not-json", "{ this is not json"],
    ["schema", JSON.stringify({ ...heartbeatMessage("pi-1", 1), uptimeS: -5 })],
    ["device-mismatch", JSON.stringify(heartbeatMessage("pi-2", 1))],
  ])("counts a bad payload by its reason (%s) and keeps going", async (reason, payload) => {
    await publish(pi, "pi-1", "heartbeat", payload);
    await eventually(() => server.metrics.get("uplink_messages_rejected_total", { reason }) === 1, `a ${reason} rejection`);
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 1));
    await eventually(() => received() === 1, "the next good message");
    expect((await server.app.inject({ url: "/metrics" })).body).toContain(`uplink_messages_rejected_total{reason="${reason}"} 1`);
  });

  it("refuses an oversized payload at the broker, counts it, and takes the device's next message", async () => {
    // The refusal closes the connection, so this publish is never acknowledged: do not wait for it.
    void publish(pi, "pi-1", "heartbeat", "x".repeat(MAX_PAYLOAD_BYTES + 1)).catch(() => {});
    await eventually(() => server.metrics.get("uplink_broker_rejections_total", { action: "publish", reason: "oversized" }) === 1, "the refusal");
    await eventually(() => !pi.connected, "the broker closing the connection");
    pi.reconnect();
    await new Promise((r) => pi.once("connect", r));
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 1));
    await eventually(() => received() === 1, "the next good message");
  });

  it("keeps the last health report as published, with the root cause per link", async () => {
    const health = healthMessage("pi-1", 1, "session");
    await publish(pi, "pi-1", "health", health, true);
    await eventually(() => server.fleet.device("pi-1")?.health !== null, "health");
    const res = await server.app.inject({ url: "/api/v1/devices/pi-1", headers: auth(server.token) });
    const body = res.json();
    expect(body.health).toEqual(health);
    expect(body.health.links.wwan0.firstFailingLayer).toBe("session");
    expect(body.rootCause).toEqual({ wlan0: null, wwan0: "session", host: null });
    expect(body.activeLink).toBe("wlan0");
    const history = await server.app.inject({ url: "/api/v1/devices/pi-1/health", headers: auth(server.token) });
    expect(history.json().items).toHaveLength(1);
  });
});
