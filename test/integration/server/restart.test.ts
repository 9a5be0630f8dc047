import { afterEach, describe, expect, it } from "vitest";
import { auth, connectDevice, eventMessage, eventually, healthMessage, heartbeatMessage, publish, registerDevice, startTestServer, statusMessage, tempDir } from "./helpers.ts";

describe("a server restart", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("brings back devices, their state, history, commands and the credentials", async () => {
    const data = tempDir();
    cleanups.push(() => data.remove());

    const first = await startTestServer({ dataDir: data.dir });
    const creds = await registerDevice(first, "pi-1");
    const pi = await connectDevice(first.mqttUrl, { clientId: "pi-1", ...creds });
    await publish(pi, "pi-1", "status", statusMessage("pi-1", 1), true);
    await publish(pi, "pi-1", "health", healthMessage("pi-1", 2, "session"), true);
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 5));
    await publish(pi, "pi-1", "events", eventMessage("pi-1", 6));
    await eventually(() => first.fleet.device("pi-1")?.seq.received === 4, "four messages");
    const cmd = await first.dispatcher.issue({ deviceId: "pi-1", name: "diagnose", args: {}, issuedBy: "test" });
    await pi.endAsync(true);
    await first.close();

    const second = await startTestServer({ dataDir: data.dir });
    cleanups.push(() => second.close());
    const device = (await second.app.inject({ url: "/api/v1/devices/pi-1", headers: auth(second.token) })).json();
    expect(device).toMatchObject({
      deviceId: "pi-1",
      activeLink: "wlan0",
      rootCause: { wwan0: "session", wlan0: null, host: null },
      delivery: { received: 4, gaps: 2 },
      commandsInFlight: [cmd.id],
    });
    expect(device.health.links.wwan0.firstFailingLayer).toBe("session");
    expect(device.recentEvents).toHaveLength(1);
    const command = (await second.app.inject({ url: `/api/v1/commands/${cmd.id}`, headers: auth(second.token) })).json();
    expect(command.state).toBe("pending");
    const events = (await second.app.inject({ url: "/api/v1/devices/pi-1/events", headers: auth(second.token) })).json();
    expect(events.items).toHaveLength(1);

    // The device's password still works, and the pending command reaches it after the restart.
    const again = await connectDevice(second.mqttUrl, { clientId: "pi-1", ...creds });
    cleanups.push(() => again.endAsync(true).then(() => undefined));
    const got = new Promise<string>((resolve) => again.on("message", (_t, p) => resolve(JSON.parse(p.toString()).id)));
    await again.subscribeAsync("uplink/v1/pi-1/cmd/req", { qos: 1 });
    await second.dispatcher.republishPending();
    expect(await got).toBe(cmd.id);
    // Seq bookkeeping continues where it was: a replay of seq 6 is a duplicate, not news.
    await publish(again, "pi-1", "events", eventMessage("pi-1", 6));
    await eventually(() => second.metrics.get("uplink_messages_duplicate_total") === 1, "the replay counted as a duplicate");
  });
});
