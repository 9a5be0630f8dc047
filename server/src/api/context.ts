import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Logger } from "pino";
import type { Authenticator } from "../auth/credentials.ts";
import type { AuthLimit } from "./auth-limiter.ts";
import type { Dispatcher } from "../commands/dispatcher.ts";
import { UplinkError } from "../errors.ts";
import type { Fleet } from "../fleet.ts";
import type { Metrics } from "../metrics.ts";
import type { Store } from "../store/store.ts";

export interface ApiDeps {
  fleet: Fleet;
  store: Store;
  dispatcher: Dispatcher;
  metrics: Metrics;
  auth: Authenticator;
  logger: Logger;
  brokerConnected: () => boolean;
  /** Failed authentications allowed per source address (auth-limiter.ts). */
  authLimit?: AuthLimit;
  /** /metrics needs this as its bearer token when set (metrics-endpoint.ts). */
  metricsToken?: string;
  /** /metrics has its own listener: the API port does not answer it. */
  metricsOnOwnPort?: boolean;
}

/** Parses a request part with its schema; a failure is a coded 400 naming the field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, part: string): z.infer<S> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? `${part}.${issue.path.join(".")}` : part;
    throw new UplinkError("UPLINK_BAD_REQUEST", `${where}: ${issue?.message ?? "invalid"}`);
  }
  return r.data;
}

/** Every response, including the stream's hijacked one: the header goes straight on the socket's response. */
export function noSniff(reply: FastifyReply): void {
  reply.raw.setHeader("x-content-type-options", "nosniff");
}

/** 401 or 429 in the API's error shape. */
export function authError(reply: FastifyReply, status: 401 | 429, code: "UPLINK_UNAUTHORIZED" | "UPLINK_RATE_LIMITED", message: string, retryAfterS?: number) {
  if (status === 401) reply.header("www-authenticate", 'Bearer realm="uplink"');
  if (retryAfterS !== undefined) reply.header("retry-after", String(retryAfterS));
  return reply.code(status).send({ error: { code, message } });
}

export function bearerToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h) {
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    return m ? m[1]! : null;
  }
  const q = req.query as Record<string, unknown> | undefined;
  // Only the stream takes the token from the query: EventSource cannot send headers.
  if (req.url.startsWith("/api/v1/stream") && typeof q?.access_token === "string") return q.access_token;
  return null;
}

declare module "fastify" {
  interface FastifyRequest {
    operator: string | null;
  }
}

export type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
