import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { auth, connectDevice, eventMessage, eventually, heartbeatMessage, publish, registerDevice, startTestServer, statusMessage, tempDir } from "./helpers.ts";

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe("history over a real server and device", () => {
  let server: Server | undefined;
  let pi: MqttClient | undefined;
  const data = tempDir();
  afterEach(async () => {
    await pi?.endAsync(true);
    await server?.close();
  });

  it("answers availability, time per link, outages, data per link and faults, and still does after a restart", async () => {
    const opts = { dataDir: data.dir, tickMs: 50, offlineAfterMs: 400 };
    server = await startTestServer(opts);
    const creds = await registerDevice(server, "pi-1");
    pi = await connectDevice(server.mqttUrl, { clientId: "pi-1", ...creds });
    const beat = (seq: number, activeLink: string, wwanRx: number) => ({
      ...heartbeatMessage("pi-1", seq),
      activeLink,
      links: { wlan0: { up: true, rxBytes: 100, txBytes: 100 }, wwan0: { up: true, rxBytes: wwanRx, txBytes: 10 } },
    });
    await publish(pi, "pi-1", "status", statusMessage("pi-1", 1), true);
    await publish(pi, "pi-1", "heartbeat", beat(2, "wlan0", 1000));
    await new Promise((r) => setTimeout(r, 150));
    const base = eventMessage("pi-1", 3);
    await publish(pi, "pi-1", "events", { ...base, type: "layer.changed", link: "wlan0", layer: "session", from: "ok", to: "failing", cause: "not-associated" });
    await publish(pi, "pi-1", "events", { ...base, seq: 4, type: "link.changed", from: "wlan0", to: "wwan0", reason: "wlan0 lost" });
    // The modem's counters: 1000 -> 5000, then a reset to 300 (+300): 4300 received on wwan0.
    await publish(pi, "pi-1", "heartbeat", beat(5, "wwan0", 5000));
    await publish(pi, "pi-1", "heartbeat", beat(6, "wwan0", 300));
    await publish(pi, "pi-1", "events", { ...base, seq: 7, type: "remediation.succeeded", cause: "not-associated", link: "wlan0", command: { name: "link.up", args: {} }, attempt: 1 });
    await publish(pi, "pi-1", "events", { ...base, seq: 8, type: "layer.changed", link: "wlan0", layer: "session", from: "failing", to: "ok" });
    // Then silence: the server marks it offline.
    await eventually(() => server!.fleet.device("pi-1")?.seq.received === 8, "eight messages");
    await eventually(() => server!.fleet.device("pi-1")?.online === false, "offline after silence");
    await new Promise((r) => setTimeout(r, 100));

    const h = (await server.app.inject({ url: "/api/v1/devices/pi-1/history?window=24h", headers: auth(server.token) })).json();
    expect(h.window).toBe("24h");
    // "unknown": online from its status message until the first heartbeat named the link.
    expect(Object.keys(h.linkTimeS).filter((k) => k !== "unknown").sort()).toEqual(["offline", "wlan0", "wwan0"]);
    expect(h.availability.ratio).toBeGreaterThan(0);
    expect(h.availability.ratio).toBeLessThan(1);
    expect(h.availability.onlineS + h.linkTimeS.offline).toBeCloseTo(h.availability.expectedS, 3);
    expect(h.outages).toEqual([{ start: server.fleet.device("pi-1")!.lastSeenAt, end: null, durationS: expect.any(Number), rootCause: "no heartbeat" }]);
    expect(h.dataBytes.wwan0).toEqual({ rxBytes: 4300, txBytes: 0 });
    // The strip: contiguous stretches from the first presence to now, ending offline.
    const states = h.stretches.map((s: { state: string }) => s.state);
    expect(states.filter((s: string) => s !== "unknown")).toEqual(["wlan0", "wwan0", "offline"]);
    for (let i = 1; i < h.stretches.length; i++) expect(h.stretches[i].start).toBe(h.stretches[i - 1].end);
    expect(h.stretches.at(-1).start).toBe(h.outages[0].start);
    expect(h.faults).toEqual([{ cause: "not-associated", count: 1, fixedBy: { "link.up": 1 }, recovered: 1, recoveryS: { median: expect.any(Number), p90: expect.any(Number) } }]);

    const fleet = (await server.app.inject({ url: "/api/v1/history?window=7d", headers: auth(server.token) })).json();
    expect(fleet).toMatchObject({ window: "7d", devices: 1, outages: 1, perDevice: [{ deviceId: "pi-1", outages: 1 }] });
    expect((await server.app.inject({ url: "/api/v1/history?window=1y", headers: auth(server.token) })).statusCode).toBe(400);
    expect((await server.app.inject({ url: "/api/v1/devices/pi-9/history", headers: auth(server.token) })).statusCode).toBe(404);

    // A restart: the history is in the store, and a device still offline writes no second row.
    await pi.endAsync(true);
    pi = undefined;
    await server.close();
    server = await startTestServer(opts);
    await new Promise((r) => setTimeout(r, 200));
    const after = (await server.app.inject({ url: "/api/v1/devices/pi-1/history", headers: auth(server.token) })).json();
    expect(after.outages).toHaveLength(1);
    expect(after.outages[0].start).toBe(h.outages[0].start);
    expect(after.dataBytes.wwan0).toEqual({ rxBytes: 4300, txBytes: 0 });
    data.remove();
  });
});
