import { timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { secretDigest } from "../auth/secrets.ts";
import type { Metrics } from "../metrics.ts";
import { createAuthLimiter, type AuthLimiter } from "./auth-limiter.ts";
import { authError, bearerToken, noSniff } from "./context.ts";

/**
 * GET /metrics for Prometheus. Open by default: its series are counts whose labels come from
 * fixed sets (channel, reason, command name, state), never a device id, address or secret, and
 * Prometheus scrapes without credentials out of the box. Two ways to close it: a metrics token
 * (Prometheus' `authorization: { credentials_file }`), a secret of its own so that Prometheus
 * never holds an operator token, which could issue commands; and/or its own listener on a private
 * address (`--metrics-port`, 127.0.0.1 by default), off the public API port.
 */
export interface MetricsAccess {
  metrics: Metrics;
  /** Required as `Authorization: Bearer <it>` when set. */
  token?: string;
  limiter: AuthLimiter;
}

/** Shortest metrics token accepted: it is compared directly, without scrypt, so it must be unguessable. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

function sameSecret(a: string, b: string): boolean {
  // Digests: equal lengths for timingSafeEqual, and no length leak.
  return timingSafeEqual(Buffer.from(secretDigest(a)), Buffer.from(secretDigest(b)));
}

export function registerMetricsRoute(app: FastifyInstance, access: MetricsAccess): void {
  const gate = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!access.token) return;
    const presented = bearerToken(req);
    if (!presented) return authError(reply, 401, "UPLINK_UNAUTHORIZED", "a bearer token is required (the metrics token)");
    const wait = access.limiter.take(req.ip);
    if (wait) {
      access.metrics.inc("uplink_http_auth_rate_limited_total");
      return authError(reply, 429, "UPLINK_RATE_LIMITED", "too many failed tokens from this address", wait);
    }
    if (!sameSecret(presented, access.token)) {
      access.metrics.inc("uplink_http_unauthorized_total");
      return authError(reply, 401, "UPLINK_UNAUTHORIZED", "the token is not valid");
    }
    access.limiter.refund(req.ip);
  };
  app.get("/metrics", { onRequest: gate }, async (_req, reply) => reply.type("text/plain; version=0.0.4").send(access.metrics.render()));
}

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/** /metrics alone on its own port: nothing else answers there. */
export async function startMetricsListener(
  opts: { port: number; host: string; token?: string; metrics: Metrics; logger: Logger },
): Promise<MetricsListener> {
  const app = Fastify({ loggerInstance: opts.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });
  app.addHook("onRequest", async (_req, reply) => noSniff(reply));
  registerMetricsRoute(app, { metrics: opts.metrics, token: opts.token, limiter: createAuthLimiter() });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: { code: "UPLINK_NOT_FOUND", message: `no route ${req.method} ${req.url.split("?")[0]}` } });
  });
  try {
    await app.listen({ port: opts.port, host: opts.host });
  } catch (err) {
    await app.close();
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}/metrics`;
  opts.logger.info({ url }, "metrics listening");
  return { url, close: () => app.close() };
}
