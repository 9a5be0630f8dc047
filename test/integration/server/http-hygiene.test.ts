import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApi } from "../../../server/src/api/app.ts";
import type { AuthLimit } from "../../../server/src/api/auth-limiter.ts";
import { createAuthenticator, type Authenticator } from "../../../server/src/auth/credentials.ts";
import { silentLogger } from "../../../server/src/logger.ts";
import { auth, startTestServer } from "./helpers.ts";

type Server = Awaited<ReturnType<typeof startTestServer>>;

const WRONG = "upl_000000000000_not-the-secret";
/** The operator's token id with a wrong secret: checked at the test servers' cheap scrypt cost. */
const wrongSecretOf = (token: string) => token.replace(/_[^_]+$/, "_not-the-secret");

describe("HTTP response headers", () => {
  let server: Server;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it.each([
    ["GET", "/api/v1/devices", true],
    ["GET", "/api/v1/devices", false],
    ["GET", "/api/v1/nowhere", true],
    ["GET", "/healthz", false],
    ["GET", "/metrics", false],
    ["GET", "/api/v1/openapi.json", false],
  ] as const)("%s %s (token: %s) says X-Content-Type-Options: nosniff", async (method, url, withToken) => {
    const res = await server.app.inject({ method, url, headers: withToken ? auth(server.token) : {} });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("the live stream says nosniff too", async () => {
    // inject cannot end an endless stream: a real listener.
    const s = await startTestServer({ listenHttp: true, httpHost: "127.0.0.1", httpPort: 0 });
    const ctrl = new AbortController();
    try {
      const r = await fetch(`${s.httpUrl}/api/v1/stream`, { headers: auth(s.token), signal: ctrl.signal });
      expect(r.headers.get("content-type")).toContain("text/event-stream");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    } finally {
      ctrl.abort();
      await s.close();
    }
  });

  it("a new device's password is sent with Cache-Control: no-store", async () => {
    const res = await server.app.inject({ method: "POST", url: "/api/v1/devices", headers: auth(server.token), payload: { deviceId: "pi-secret" } });
    expect(res.statusCode).toBe(201);
    expect(res.json().password).toBeTruthy();
    expect(res.headers["cache-control"]).toBe("no-store");
  });

  it("a new operator token is sent with Cache-Control: no-store", async () => {
    const res = await server.app.inject({ method: "POST", url: "/api/v1/tokens", headers: auth(server.token), payload: { name: "bob" } });
    expect(res.statusCode).toBe(201);
    expect(res.json().token).toMatch(/^upl_/);
    expect(res.headers["cache-control"]).toBe("no-store");
  });
});

describe("failed HTTP authentication", () => {
  const limit: AuthLimit = { burst: 10, perSecond: 1 };
  let server: Server;
  let app: FastifyInstance;
  // Each check that reaches the authenticator is a scrypt.
  let checks = 0;
  beforeAll(async () => {
    server = await startTestServer();
    const real = createAuthenticator(server.store, "server-secret");
    const counting: Authenticator = { ...real, verifyToken: (t) => (checks++, real.verifyToken(t)) };
    const { fleet, store, dispatcher, metrics } = server;
    app = await buildApi({ fleet, store, dispatcher, metrics, auth: counting, logger: silentLogger(), brokerConnected: () => true, authLimit: limit });
  });
  afterAll(async () => {
    await app.close();
    await server.close();
  });

  const from = (ip: string, token: string) => app.inject({ url: "/api/v1/devices", remoteAddress: ip, headers: auth(token) });

  it("answers 429 with Retry-After after 10 wrong tokens from one address, without checking the 11th, and counts it", async () => {
    await from("192.0.2.1", server.token); // the operator's token, in use before the guessing starts
    for (let i = 0; i < limit.burst; i++) expect((await from("192.0.2.1", wrongSecretOf(server.token))).statusCode).toBe(401);
    const unauthorized = server.metrics.get("uplink_http_unauthorized_total");

    const before = checks;
    const res = await from("192.0.2.1", wrongSecretOf(server.token));
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe("UPLINK_RATE_LIMITED");
    expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    // Unchecked: no scrypt ran, and it is not another 401.
    expect(checks).toBe(before);
    expect(server.metrics.get("uplink_http_unauthorized_total")).toBe(unauthorized);
    expect(server.metrics.get("uplink_http_auth_rate_limited_total")).toBe(1);
    expect((await app.inject({ url: "/metrics" })).body).toContain("uplink_http_auth_rate_limited_total 1");
  });

  it("still lets a valid token through from the limited address", async () => {
    const res = await from("192.0.2.1", server.token);
    expect(res.statusCode).toBe(200);
  });

  it("does not limit other addresses", async () => {
    expect((await from("192.0.2.2", wrongSecretOf(server.token))).statusCode).toBe(401);
  });

  it("lets one more attempt through a second later", async () => {
    await new Promise((r) => setTimeout(r, 1100));
    expect((await from("192.0.2.1", wrongSecretOf(server.token))).statusCode).toBe(401);
    expect((await from("192.0.2.1", wrongSecretOf(server.token))).statusCode).toBe(429);
  });

  it("never limits valid tokens, however many", async () => {
    for (let i = 0; i < 3 * limit.burst; i++) expect((await from("192.0.2.3", server.token)).statusCode).toBe(200);
  });
});

describe("/metrics restricted", () => {
  const METRICS_TOKEN = "metrics-secret-0123456789";

  it("by a metrics token: 401 without it or with an operator token, 200 with it", async () => {
    const server = await startTestServer({ metricsToken: METRICS_TOKEN });
    try {
      expect((await server.app.inject({ url: "/metrics" })).statusCode).toBe(401);
      expect((await server.app.inject({ url: "/metrics", headers: auth(server.token) })).statusCode).toBe(401);
      const res = await server.app.inject({ url: "/metrics", headers: auth(METRICS_TOKEN) });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("uplink_devices ");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    } finally {
      await server.close();
    }
  });

  it("by its own listener on 127.0.0.1: the API port no longer answers it", async () => {
    const server = await startTestServer({ listenHttp: true, httpHost: "127.0.0.1", metricsPort: 0, metricsToken: METRICS_TOKEN });
    try {
      expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect((await fetch(`${server.httpUrl}/metrics`)).status).toBe(404);
      expect((await fetch(server.metricsUrl!)).status).toBe(401);
      const res = await fetch(server.metricsUrl!, { headers: auth(METRICS_TOKEN) });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await res.text()).toContain("uplink_devices ");
    } finally {
      await server.close();
    }
  });
});
