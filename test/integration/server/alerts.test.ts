import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { auth, connectDevice, eventually, heartbeatMessage, publish, registerDevice, startTestServer, statusMessage } from "./helpers.ts";

type Server = Awaited<ReturnType<typeof startTestServer>>;
interface Received {
  atMs: number;
  body: Record<string, unknown>;
}

/** A local webhook receiver; `answer` decides each response (null: never answer). */
async function webhookReceiver(answer: (n: number) => number | null = () => 200) {
  const received: Received[] = [];
  const server: HttpServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      received.push({ atMs: Date.now(), body: JSON.parse(data) as Record<string, unknown> });
      const status = answer(received.length);
      if (status !== null) res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe("alerts over a real server, device and webhook", () => {
  let server: Server | undefined;
  let pi: MqttClient | undefined;
  let hook: Awaited<ReturnType<typeof webhookReceiver>> | undefined;
  afterEach(async () => {
    await pi?.endAsync(true);
    await server?.close();
    await hook?.close();
  });

  async function start(answer?: (n: number) => number | null) {
    hook = await webhookReceiver(answer);
    server = await startTestServer({
      tickMs: 50,
      offlineAfterMs: 300,
      alerts: { offlineAfterMs: 800, webhookUrl: hook.url, webhookRetry: { firstMs: 200, maxMs: 1000, maxAttempts: 5 } },
    });
    const creds = await registerDevice(server, "pi-1");
    pi = await connectDevice(server.mqttUrl, { clientId: "pi-1", ...creds });
    await publish(pi, "pi-1", "status", statusMessage("pi-1", 1), true);
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 2));
    await eventually(() => server!.fleet.device("pi-1")?.online === true, "pi-1 online");
  }

  it("sends exactly one firing and one resolved webhook when a device goes offline past the rule and comes back", async () => {
    await start();
    const s = server!;
    await eventually(() => s.fleet.device("pi-1")?.online === false, "pi-1 marked offline");
    await eventually(() => hook!.received.length === 1, "the firing webhook");
    expect(hook!.received[0]!.body).toMatchObject({ rule: "device.offline", deviceId: "pi-1", state: "firing" });
    const firing = hook!.received[0]!.body;
    expect(Date.parse(String(firing.firedAt)) - Date.parse(String(firing.since))).toBeGreaterThanOrEqual(800);

    // Back, and beating as an agent does, so that it stays online while the test looks.
    let seq = 3;
    const beating = setInterval(() => void publish(pi!, "pi-1", "heartbeat", heartbeatMessage("pi-1", seq++)).catch(() => undefined), 100);
    onTestFinished(() => clearInterval(beating));
    await eventually(() => hook!.received.length === 2, "the resolved webhook");
    // Many more ticks: nothing fires or resolves again.
    await new Promise((r) => setTimeout(r, 500));
    expect(hook!.received.map((r) => [r.body.rule, r.body.deviceId, r.body.state, r.body.since])).toEqual([
      ["device.offline", "pi-1", "firing", firing.since],
      ["device.offline", "pi-1", "resolved", firing.since],
    ]);

    const alerts = (await s.app.inject({ url: "/api/v1/alerts?deviceId=pi-1", headers: auth(s.token) })).json();
    expect(alerts.items).toMatchObject([{ rule: "device.offline", state: "resolved", since: firing.since, resolvedAt: expect.any(String) }]);
    expect((await s.app.inject({ url: "/api/v1/alerts?state=firing", headers: auth(s.token) })).json().items).toEqual([]);
    const metrics = (await s.app.inject({ url: "/metrics" })).body;
    expect(metrics).toContain('uplink_alerts_total{rule="device.offline",state="firing"} 1');
    expect(metrics).toContain('uplink_alerts_total{rule="device.offline",state="resolved"} 1');
    expect(metrics).toContain('uplink_alert_webhook_deliveries_total{outcome="delivered"} 2');
    expect(metrics).toMatch(/uplink_devices_offline 0\n/);
    expect(metrics).toMatch(/uplink_devices_on_fallback 0\n/);
  });

  it("retries a webhook that answers 500 with backoff, then delivers", async () => {
    await start((n) => (n === 1 ? 500 : 200));
    await eventually(() => hook!.received.length === 2, "the retry", 10_000);
    const [first, second] = hook!.received;
    expect(first!.body).toEqual(second!.body);
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(190);
    await eventually(() => server!.metrics.get("uplink_alert_webhook_deliveries_total", { outcome: "delivered" }) === 1, "delivered");
    expect(server!.metrics.get("uplink_alert_webhook_deliveries_total", { outcome: "retried" })).toBe(1);
  });

  it("keeps ingesting while the webhook never answers", async () => {
    await start(() => null);
    await eventually(() => hook!.received.length === 1, "the firing post, left hanging");
    const before = server!.fleet.device("pi-1")!.seq.received;
    const t0 = Date.now();
    for (let seq = 3; seq < 53; seq++) await publish(pi!, "pi-1", "heartbeat", heartbeatMessage("pi-1", seq));
    await eventually(() => server!.fleet.device("pi-1")!.seq.received === before + 50, "50 heartbeats taken in");
    expect(Date.now() - t0).toBeLessThan(3000);
    // The resolution waits behind the hanging post, in order; it does not hold anything else up.
    await eventually(() => server!.alerting.firing().length === 0, "resolved in the evaluator");
    expect(hook!.received).toHaveLength(1);
    expect((await server!.app.inject({ url: "/metrics" })).body).toMatch(/uplink_alert_webhook_queue [12]\n/);
  });
});
