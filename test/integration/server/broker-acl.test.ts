import type { MqttClient } from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OPERATOR_USERNAME } from "../../../server/src/auth/principal.ts";
import { connectDevice, eventually, heartbeatMessage, operatorClientId, publish, registerDevice, startTestServer, topics } from "./helpers.ts";

/** The return code of the broker's SUBACK, read off the wire: 128 is a refusal [MQTT-3.9.3]. */
function subscribeGranted(c: MqttClient, filter: string): Promise<number> {
  return new Promise((resolve) => {
    const onPacket = (p: { cmd: string; granted?: Array<number | { qos: number }> }) => {
      if (p.cmd !== "suback") return;
      c.off("packetreceive", onPacket as never);
      const g = p.granted?.[0];
      resolve(typeof g === "number" ? g : (g?.qos ?? -1));
    };
    c.on("packetreceive", onPacket as never);
    c.subscribe(filter, { qos: 1 }, () => undefined);
  });
}

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe("the embedded broker's access rules", () => {
  let server: Server;
  const clients: MqttClient[] = [];
  let a: { username: string; password: string };
  let b: { username: string; password: string };

  beforeEach(async () => {
    server = await startTestServer();
    a = await registerDevice(server, "pi-a");
    b = await registerDevice(server, "pi-b");
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await server.close();
  });

  async function device(creds: { username: string; password: string }, clientId = creds.username): Promise<MqttClient> {
    const c = await connectDevice(server.mqttUrl, { clientId, username: creds.username, password: creds.password });
    clients.push(c);
    return c;
  }

  it("refuses a wrong password and counts it", async () => {
    await expect(connectDevice(server.mqttUrl, { clientId: "pi-a", username: "pi-a", password: "wrong" })).rejects.toThrow(/Bad username or password/i);
    expect(server.metrics.get("uplink_broker_rejections_total", { action: "connect", reason: "bad-password" })).toBe(1);
  });

  it("refuses an unknown device", async () => {
    await expect(connectDevice(server.mqttUrl, { clientId: "pi-x", username: "pi-x", password: a.password })).rejects.toThrow();
  });

  it("refuses a device whose client id is not its device id", async () => {
    await expect(connectDevice(server.mqttUrl, { clientId: "pi-b", username: "pi-a", password: a.password })).rejects.toThrow(/Identifier rejected/i);
    expect(server.metrics.get("uplink_broker_rejections_total", { action: "connect", reason: "client-id-mismatch" })).toBe(1);
  });

  it("refuses a client without credentials", async () => {
    await expect(connectDevice(server.mqttUrl, { clientId: "anon" })).rejects.toThrow();
  });

  it("takes a device's own messages into the fleet", async () => {
    const c = await device(a);
    await publish(c, "pi-a", "heartbeat", heartbeatMessage("pi-a", 1));
    await eventually(() => server.fleet.device("pi-a")?.online === true, "pi-a online");
  });

  it("disconnects device A when it publishes as device B and keeps B's state untouched", async () => {
    const c = await device(a);
    const closed = new Promise<void>((r) => c.once("close", () => r()));
    c.publish(topics.device("pi-b", "heartbeat"), JSON.stringify(heartbeatMessage("pi-b", 1)), { qos: 1 });
    await closed;
    expect(server.fleet.device("pi-b")?.seq.received).toBe(0);
    expect(server.metrics.get("uplink_broker_rejections_total", { action: "publish", reason: "other-device" })).toBe(1);
  });

  it("does not let a device publish on its own command topic", async () => {
    const c = await device(a);
    const closed = new Promise<void>((r) => c.once("close", () => r()));
    c.publish(topics.device("pi-a", "cmd/req"), "{}", { qos: 1 });
    await closed;
    expect(server.metrics.get("uplink_broker_rejections_total", { action: "publish", reason: "own-command-topic" })).toBe(1);
  });

  it("grants a device its own command topic and refuses B's, a wildcard and $SYS", async () => {
    const c = await device(a);
    const filters = [topics.device("pi-a", "cmd/req"), topics.device("pi-b", "cmd/req"), `${topics.root}/+/cmd/req`, "$SYS/#"];
    const granted: number[] = [];
    for (const f of filters) granted.push(await subscribeGranted(c, f));
    expect(granted).toEqual([1, 128, 128, 128]);
  });

  it("never delivers B's commands to A", async () => {
    const ca = await device(a);
    const cb = await device(b);
    expect(await subscribeGranted(ca, `${topics.root}/#`)).toBe(128);
    await cb.subscribeAsync(topics.device("pi-b", "cmd/req"), { qos: 1 });
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    ca.on("message", (t) => seenByA.push(t));
    cb.on("message", (t) => seenByB.push(t));
    await server.dispatcher.issue({ deviceId: "pi-b", name: "diagnose", args: {}, issuedBy: "test" });
    await eventually(() => seenByB.length === 1, "B receives its command");
    expect(seenByA).toEqual([]);
  });

  it("lets an operator token read but not publish", async () => {
    const op = await connectDevice(server.mqttUrl, { clientId: operatorClientId(server.token), username: OPERATOR_USERNAME, password: server.token, clean: true });
    clients.push(op);
    const granted = await op.subscribeAsync(`${topics.root}/#`, { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    const closed = new Promise<void>((r) => op.once("close", () => r()));
    op.publish(topics.device("pi-a", "cmd/req"), "{}", { qos: 1 });
    await closed;
    expect(server.metrics.get("uplink_broker_rejections_total", { action: "publish", reason: "operator-read-only" })).toBe(1);
  });
});
