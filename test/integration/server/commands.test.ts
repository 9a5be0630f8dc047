import type { MqttClient } from "mqtt";
import { commandRequestSchema, type CommandRequest } from "@uplink/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auth, connectDevice, eventually, publish, registerDevice, responseMessage, startTestServer, topics } from "./helpers.ts";

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** A test device that subscribes to its commands and answers each one as the agent would. */
async function answeringDevice(server: Server, creds: { username: string; password: string }, answer: "succeed" | "reject") {
  const client = await connectDevice(server.mqttUrl, { clientId: "pi-1", ...creds });
  await client.subscribeAsync(topics.device("pi-1", "cmd/req"), { qos: 1 });
  const requests: CommandRequest[] = [];
  let seq = 0;
  client.on("message", async (_topic, payload) => {
    const req = commandRequestSchema.parse(JSON.parse(payload.toString()));
    requests.push(req);
    if (answer === "reject") {
      await publish(client, "pi-1", "cmd/res", responseMessage("pi-1", ++seq, req.id, req.name, "rejected", { reason: "busy", message: "modem locked" }));
      return;
    }
    await publish(client, "pi-1", "cmd/res", responseMessage("pi-1", ++seq, req.id, req.name, "accepted"));
    await publish(client, "pi-1", "cmd/res", responseMessage("pi-1", ++seq, req.id, req.name, "progress", { step: "udhcpc -i wlan0 -n -q" }));
    await publish(client, "pi-1", "cmd/res", responseMessage("pi-1", ++seq, req.id, req.name, "succeeded", { output: "lease of 192.168.1.23 obtained" }));
  });
  return { client, requests };
}

describe("commands from POST to the device's answer", () => {
  let server: Server;
  let creds: { username: string; password: string };
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    server = await startTestServer();
    creds = await registerDevice(server, "pi-1");
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await server.close();
  });

  async function post(body: unknown, deviceId = "pi-1") {
    return server.app.inject({ method: "POST", url: `/api/v1/devices/${deviceId}/commands`, headers: auth(server.token), payload: body as object });
  }
  async function get(id: string) {
    return (await server.app.inject({ url: `/api/v1/commands/${id}`, headers: auth(server.token) })).json();
  }

  it("delivers the request and shows accepted, progress and success", async () => {
    const dev = await answeringDevice(server, creds, "succeed");
    clients.push(dev.client);
    const res = await post({ name: "dhcp.renew", args: { iface: "wlan0" } });
    expect(res.statusCode).toBe(201);
    const { id } = res.json();
    await eventually(() => server.store.getCommand(id)?.state === "succeeded", "success");
    const cmd = await get(id);
    expect(cmd).toMatchObject({ id, deviceId: "pi-1", name: "dhcp.renew", args: { iface: "wlan0" }, state: "succeeded" });
    expect(cmd.responses.map((r: { state: string }) => r.state)).toEqual(["accepted", "progress", "succeeded"]);
    expect(dev.requests[0]).toMatchObject({ id, name: "dhcp.renew", issuedBy: expect.stringMatching(/^test-/) });
    expect(server.fleet.device("pi-1")!.commandsInFlight).toEqual([]);
    expect(server.metrics.get("uplink_command_outcomes_total", { state: "succeeded" })).toBe(1);
  });

  it("shows a rejection with its reason", async () => {
    const dev = await answeringDevice(server, creds, "reject");
    clients.push(dev.client);
    const { id } = (await post({ name: "qmi.restart", args: {} })).json();
    await eventually(() => server.store.getCommand(id)?.state === "rejected", "rejection");
    expect((await get(id)).detail).toBe("modem locked");
  });

  it("keeps a command for an offline device pending and delivers it when the device connects", async () => {
    // The device has a persistent session (subscribed once, then gone), as the agent does.
    const first = await connectDevice(server.mqttUrl, { clientId: "pi-1", ...creds });
    await first.subscribeAsync(topics.device("pi-1", "cmd/req"), { qos: 1 });
    await first.endAsync();
    const { id } = (await post({ name: "diagnose", args: {} })).json();
    expect((await get(id)).state).toBe("pending");
    const list = await server.app.inject({ url: "/api/v1/commands?state=pending", headers: auth(server.token) });
    expect(list.json().items.map((c: { id: string }) => c.id)).toEqual([id]);

    const back = await connectDevice(server.mqttUrl, { clientId: "pi-1", ...creds });
    clients.push(back);
    const got = await new Promise<CommandRequest>((resolve) => back.on("message", (_t, p) => resolve(JSON.parse(p.toString()))));
    expect(got.id).toBe(id);
  });

  it("expires a command nobody took", async () => {
    const { id } = (await post({ name: "diagnose", args: {}, expiresInS: 1 })).json();
    server.dispatcher.sweep(new Date(Date.now() + 1500));
    expect((await get(id)).state).toBe("expired");
    expect(server.metrics.get("uplink_command_outcomes_total", { state: "expired" })).toBe(1);
  });

  it.each([
    [{ name: "format.disk", args: {} }, 422, "UPLINK_COMMAND_UNSUPPORTED"],
    [{ name: "dhcp.renew", args: { iface: "wlan0; reboot" } }, 422, "UPLINK_COMMAND_INVALID"],
    [{ name: "dhcp.renew" }, 422, "UPLINK_COMMAND_INVALID"],
    [{ args: {} }, 400, "UPLINK_BAD_REQUEST"],
    [{ name: "diagnose", args: {}, extra: 1 }, 400, "UPLINK_BAD_REQUEST"],
  ])("refuses %j with %i %s", async (body, status, code) => {
    const res = await post(body);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
  });

  it("refuses a command for an unknown device", async () => {
    const res = await post({ name: "diagnose", args: {} }, "pi-404");
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("UPLINK_DEVICE_NOT_FOUND");
  });
});
