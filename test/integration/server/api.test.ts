import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../../server/src/api/openapi.ts";
import { auth, registerDevice, startTestServer } from "./helpers.ts";
import { eventMessage, healthMessage, heartbeatMessage, statusMessage } from "../../unit/server/messages.ts";

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe("the HTTP API", () => {
  let server: Server;
  const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();

  beforeAll(async () => {
    server = await startTestServer({ listenHttp: true, httpHost: "127.0.0.1" });
    await registerDevice(server, "pi-a");
    await registerDevice(server, "pi-b");
    await registerDevice(server, "pi-c");
    // Feed the fleet directly: these tests are about the API, ingest has its own.
    server.fleet.dispatch({ kind: "status", receivedAt: at(0), message: statusMessage("pi-a", 1) });
    server.fleet.dispatch({ kind: "health", receivedAt: at(1), message: healthMessage("pi-a", 2, "session") });
    server.fleet.dispatch({ kind: "heartbeat", receivedAt: new Date().toISOString(), message: heartbeatMessage("pi-b", 1) });
    server.fleet.dispatch({ kind: "health", receivedAt: at(2), message: healthMessage("pi-b", 2, null) });
    for (let i = 0; i < 5; i++) server.store.appendEvent("pi-a", at(10 + i), eventMessage("pi-a", 3 + i));
  });
  afterAll(async () => server.close());

  const get = async (url: string, token = server.token) => server.app.inject({ url, headers: auth(token) });

  it.each(["/api/v1/devices", "/api/v1/devices/pi-a", "/api/v1/commands/x"])("refuses %s without a valid token", async (url) => {
    expect((await server.app.inject({ url })).statusCode).toBe(401);
    const res = await get(url, "upl_000000000000_nope");
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe("UPLINK_UNAUTHORIZED");
  });

  it("lists every device with deviceId, online, activeLink and health", async () => {
    const list = (await get("/api/v1/devices")).json();
    expect(list.map((d: { deviceId: string }) => d.deviceId)).toEqual(["pi-a", "pi-b", "pi-c"]);
    for (const d of list) expect(d).toHaveProperty("online");
    expect(list[0].health.links.wwan0.firstFailingLayer).toBe("session");
    expect(list[2]).toMatchObject({ online: false, activeLink: null, health: null, status: "unknown" });
  });

  it.each([
    ["online=true", ["pi-a", "pi-b"]],
    ["online=false", ["pi-c"]],
    ["rootCause=session", ["pi-a"]],
    ["rootCause=none", ["pi-b", "pi-c"]],
    ["link=wlan0", ["pi-a", "pi-b"]],
    ["limit=1&offset=1", ["pi-b"]],
  ])("filters devices by %s", async (query, ids) => {
    const list = (await get(`/api/v1/devices?${query}`)).json();
    expect(list.map((d: { deviceId: string }) => d.deviceId)).toEqual(ids);
  });

  it("refuses an unknown filter value with a coded error", async () => {
    const res = await get("/api/v1/devices?rootCause=kernel");
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: "UPLINK_BAD_REQUEST", message: expect.stringContaining("query.rootCause") });
  });

  it("pages through events newest first and filters by time", async () => {
    const p1 = (await get("/api/v1/devices/pi-a/events?limit=2")).json();
    expect(p1.items.map((e: { message: { seq: number } }) => e.message.seq)).toEqual([7, 6]);
    const p2 = (await get(`/api/v1/devices/pi-a/events?limit=2&cursor=${p1.nextCursor}`)).json();
    expect(p2.items.map((e: { message: { seq: number } }) => e.message.seq)).toEqual([5, 4]);
    const ranged = (await get(`/api/v1/devices/pi-a/events?since=${at(11)}&until=${at(12)}`)).json();
    expect(ranged.items.map((e: { message: { seq: number } }) => e.message.seq)).toEqual([5, 4]);
    expect(ranged.nextCursor).toBeNull();
  });

  it("answers 404 with a code for an unknown device and command", async () => {
    expect((await get("/api/v1/devices/pi-zzz")).json().error.code).toBe("UPLINK_DEVICE_NOT_FOUND");
    expect((await get("/api/v1/commands/00000000-0000-4000-8000-000000000000")).json().error.code).toBe("UPLINK_COMMAND_NOT_FOUND");
  });

  it("adds a device and a token, showing each secret once", async () => {
    const dev = await server.app.inject({ method: "POST", url: "/api/v1/devices", headers: auth(server.token), payload: { deviceId: "pi-new" } });
    expect(dev.statusCode).toBe(201);
    expect(dev.json()).toMatchObject({ deviceId: "pi-new", username: "pi-new", password: expect.any(String) });
    const again = await server.app.inject({ method: "POST", url: "/api/v1/devices", headers: auth(server.token), payload: { deviceId: "pi-new" } });
    expect(again.json().error.code).toBe("UPLINK_DEVICE_EXISTS");
    const tok = await server.app.inject({ method: "POST", url: "/api/v1/tokens", headers: auth(server.token), payload: { name: "alice" } });
    expect((await get("/api/v1/devices", tok.json().token)).statusCode).toBe(200);
  });

  it("serves /healthz and Prometheus metrics without a token", async () => {
    expect((await server.app.inject({ url: "/healthz" })).json()).toMatchObject({ ok: true, broker: "connected" });
    const m = await server.app.inject({ url: "/metrics" });
    expect(m.headers["content-type"]).toContain("text/plain");
    expect(m.body).toMatch(/^uplink_devices_online 2$/m);
    expect(m.body).toContain("# TYPE uplink_messages_in_total counter");
  });

  it("documents every route it serves in the OpenAPI document", async () => {
    const doc = (await server.app.inject({ url: "/api/v1/openapi.json" })).json();
    expect(doc.openapi).toBe("3.1.0");
    for (const r of ROUTES) expect(doc.paths[r.path][r.method]).toBeDefined();
    const served = server.app.printRoutes({ commonPrefix: false });
    for (const r of ROUTES) expect(served).toContain(r.path.replace("/api/v1", "").split("/{id}")[0]!.split("/").pop());
    expect(doc.paths["/api/v1/devices/{id}/commands"].post.requestBody.content["application/json"].schema.properties.name).toBeDefined();
  });

  it("streams live updates over Server-Sent Events", async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${server.httpUrl}/api/v1/stream?deviceId=pi-c`, { headers: auth(server.token), signal: ctrl.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    server.fleet.dispatch({ kind: "status", receivedAt: new Date().toISOString(), message: statusMessage("pi-b", 9) });
    server.fleet.dispatch({ kind: "status", receivedAt: new Date().toISOString(), message: statusMessage("pi-c", 1) });
    let text = "";
    while (!text.includes("event: device")) text += new TextDecoder().decode((await reader.read()).value);
    ctrl.abort();
    const data = JSON.parse(/data: (.*)\n/.exec(text)![1]!);
    expect(data).toMatchObject({ deviceId: "pi-c", online: true });
    expect(text).not.toContain("pi-b");
  });
});
