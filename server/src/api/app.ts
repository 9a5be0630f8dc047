import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { MAX_PAYLOAD_BYTES } from "@uplink/shared";
import { isUplinkError } from "../errors.ts";
import { createAuthLimiter } from "./auth-limiter.ts";
import { authError, bearerToken, noSniff, type ApiDeps } from "./context.ts";
import { isDashboardPath, registerDashboard } from "./dashboard.ts";
import { registerMetricsRoute } from "./metrics-endpoint.ts";
import { buildOpenApi } from "./openapi.ts";
import { registerAlertRoutes } from "./routes-alerts.ts";
import { registerCommandRoutes } from "./routes-commands.ts";
import { registerHistoryRoutes } from "./routes-history.ts";
import { registerDeviceRoutes } from "./routes-devices.ts";
import { registerStreamRoute } from "./routes-stream.ts";

const PUBLIC = new Set(["/healthz", "/metrics", "/api/v1/openapi.json"]);
export const SERVER_VERSION = "0.1.0";

/** The HTTP API. Every route under /api/v1 but the OpenAPI document needs a bearer token. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_PAYLOAD_BYTES,
  });
  app.decorateRequest("operator", null);

  const limiter = createAuthLimiter(deps.authLimit);
  deps.metrics.gauge("uplink_http_auth_limited_sources", "source addresses refused HTTP authentication now (too many failed tokens)", () =>
    limiter.limitedSources(),
  );
  app.addHook("onRequest", async (req, reply) => {
    noSniff(reply);
    const path = req.url.split("?")[0]!;
    if (PUBLIC.has(path) || isDashboardPath(path)) return;
    const token = bearerToken(req);
    // No token costs no scrypt: not a guess, not counted.
    if (!token) {
      deps.metrics.inc("uplink_http_unauthorized_total");
      return authError(reply, 401, "UPLINK_UNAUTHORIZED", "a bearer token is required");
    }
    const known = limiter.knownValid(token);
    const wait = known ? 0 : limiter.take(req.ip);
    if (wait) {
      deps.metrics.inc("uplink_http_auth_rate_limited_total");
      return authError(reply, 429, "UPLINK_RATE_LIMITED", "too many failed tokens from this address", wait);
    }
    const name = await deps.auth.verifyToken(token);
    if (!name) {
      deps.metrics.inc("uplink_http_unauthorized_total");
      return authError(reply, 401, "UPLINK_UNAUTHORIZED", "the token is not valid");
    }
    if (!known) limiter.refund(req.ip);
    limiter.rememberValid(token);
    req.operator = name;
  });

  app.setErrorHandler((err, req, reply) => {
    if (isUplinkError(err)) {
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } });
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // fastify's own: bad JSON, wrong content type, body too large.
      return reply.code(status).send({ error: { code: "UPLINK_BAD_REQUEST", message: (err as Error).message } });
    }
    req.log.error({ err }, "request failed");
    return reply.code(500).send({ error: { code: "UPLINK_INTERNAL", message: "internal error" } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: { code: "UPLINK_NOT_FOUND", message: `no route ${req.method} ${req.url.split("?")[0]}` } });
  });

  const openapi = buildOpenApi(SERVER_VERSION);
  app.get("/healthz", async (_req, reply) => {
    const broker = deps.brokerConnected();
    return reply.code(broker ? 200 : 503).send({ ok: broker, broker: broker ? "connected" : "disconnected", devices: Object.keys(deps.fleet.state.devices).length });
  });
  if (!deps.metricsOnOwnPort) registerMetricsRoute(app, { metrics: deps.metrics, token: deps.metricsToken, limiter });
  app.get("/api/v1/openapi.json", async () => openapi);

  registerDeviceRoutes(app, deps);
  registerCommandRoutes(app, deps);
  registerAlertRoutes(app, deps);
  registerHistoryRoutes(app, deps);
  registerStreamRoute(app, deps);
  registerDashboard(app);
  await app.ready();
  return app;
}
