import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createServer as createTlsServer } from "node:tls";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import type { Logger } from "pino";
import type { Topics } from "@uplink/shared";
import type { Authenticator } from "../auth/credentials.ts";
import { describePrincipal, type Principal } from "../auth/principal.ts";
import type { Metrics } from "../metrics.ts";
import { indexedMemoryPersistence } from "./retained-index.ts";
import { claimOf, decidePublish, decideSubscribe, operatorMayUse, type Claim } from "./acl.ts";
import { createAuthGate } from "./auth-gate.ts";
import { createFailureLimiter, sourceKey } from "./failure-limiter.ts";
import { guardSocket, type GuardedSocket } from "./guarded-socket.ts";
import { defaultBrokerLimits, PACKET_SIZE_LIMITS, type BrokerLimits } from "./limits.ts";
import { createRefusalLog } from "./refusal-log.ts";

export interface EmbeddedBroker {
  readonly port: number;
  readonly url: string;
  /** The MQTT-over-TLS port, when a certificate was configured. */
  readonly tlsPort: number | null;
  close(): Promise<void>;
}

/** MQTT over TLS (8883) beside plain MQTT: the certificate and key as PEM text. */
export interface BrokerTls {
  port: number;
  cert: string;
  key: string;
}

export interface EmbeddedBrokerOptions {
  port: number;
  host?: string;
  topics: Topics;
  auth: Authenticator;
  logger: Logger;
  metrics: Metrics;
  tls?: BrokerTls;
  /** Bounds on what unauthenticated clients may spend (limits.ts); each unset one has its default. */
  limits?: Partial<BrokerLimits>;
  /**
   * A device's publish, ingested before the broker acknowledges it: the PUBACK then means "stored",
   * so a server killed at any moment loses nothing the device let go of. `retry` (the store
   * failed) closes the device's connection unacknowledged; its outbox sends the message again.
   */
  ingest?: {
    /** Returns false when ingest is too far behind: the broker stops reading that connection. */
    submit(topic: string, payload: Buffer, done: (answer: "ack" | "retry") => void): boolean;
    /** Ingest has caught up: read every held connection again. */
    onRelief(fn: () => void): void;
  };
}

// MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2.3].
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;

/** Refusals that come in floods: logged once per window (refusal-log.ts), counted always. */
const FLOOD_REASONS = new Set(["bad-password", "auth-busy", "auth-rate-limited", "too-many-connections", "oversized-packet", "malformed-packet", "connect-timeout"]);

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** The password check of a claim: one scrypt (a cached operator token costs none). */
function checkSecret(auth: Authenticator, claim: Extract<Claim, { ok: true }>, secret: string): Promise<Principal | null> {
  if (claim.secretKind === "device-password" && claim.principal.kind === "device") {
    const principal = claim.principal;
    return auth.verifyDevice(principal.deviceId, secret).then((ok) => (ok ? principal : null));
  }
  if (claim.secretKind === "server-secret") return auth.verifyServer(secret).then((ok) => (ok ? claim.principal : null));
  return auth.verifyOperator(secret).then((t): Principal | null => (t ? { kind: "operator", tokenName: t.name, tokenId: t.id } : null));
}

/**
 * aedes in-process with the ACL of acl.ts. Every refusal is logged on one line and counted in
 * `uplink_broker_rejections_total{action,reason}`.
 */
export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { topics, auth, logger, metrics } = opts;
  const limits: BrokerLimits = { ...defaultBrokerLimits(), ...opts.limits };
  const principals = new WeakMap<Client, Principal>();
  // What aedes reads (the guarded stream) -> its socket's source and guard.
  const connections = new WeakMap<object, { source: string; guard: GuardedSocket }>();
  // Connections not read while ingest catches up (its queue past its high-water mark).
  const held = new Set<GuardedSocket>();
  function holdConnection(conn: Duplex): void {
    const guard = connections.get(conn)?.guard;
    if (!guard || held.has(guard)) return;
    guard.hold(true);
    held.add(guard);
    metrics.inc("uplink_broker_reads_held_total");
  }
  opts.ingest?.onRelief(() => {
    for (const guard of held) guard.hold(false);
    held.clear();
  });
  const gate = createAuthGate(limits.authConcurrency, limits.authQueue);
  const failures = createFailureLimiter(limits.authFailuresPerMinute);
  const refusalLog = createRefusalLog();
  let open = 0;
  metrics.gauge("uplink_broker_connections", "MQTT sockets open now (plain and TLS), authenticated or not", () => open);
  metrics.gauge("uplink_broker_auth_running", "password checks running now", () => gate.running);
  metrics.gauge("uplink_broker_auth_queued", "password checks waiting for a slot", () => gate.queued);

  function refuse(action: string, reason: string, fields: Record<string, unknown>): void {
    metrics.inc("uplink_broker_rejections_total", { action, reason });
    const line = FLOOD_REASONS.has(reason) ? refusalLog.admit(`${action}/${reason}`) : { suppressed: 0 };
    if (line) logger.warn({ action, reason, ...fields, ...(line.suppressed ? { suppressed: line.suppressed } : {}) }, `broker refused ${action}: ${reason}`);
  }

  // A batch answers many packets at once, often several of one connection: their PUBACKs (each
  // written by mqtt-packet in three pieces) go out in one write per connection, not one per piece.
  const corked = new Set<Duplex>();
  function corkUntilTheBatchIsAnswered(conn: Duplex): void {
    if (corked.has(conn)) return;
    conn.cork();
    corked.add(conn);
    // After the batch's other answers, which run in this same turn.
    if (corked.size === 1) {
      process.nextTick(() => {
        for (const c of corked) c.uncork();
        corked.clear();
      });
    }
  }

  const aedes = await Aedes.createBroker({
    id: "uplink",
    persistence: indexedMemoryPersistence(),
    connectTimeout: limits.connectTimeoutMs,
    authenticate(client, username, password, done) {
      const claim = claimOf(client.id, username);
      if (!claim.ok) {
        refuse("connect", claim.reason, { clientId: client.id, username });
        const code = claim.reason === "client-id-mismatch" ? IDENTIFIER_REJECTED : BAD_USERNAME_OR_PASSWORD;
        return done(authError(claim.reason, code), false);
      }
      const conn = connections.get(client.conn);
      const source = conn?.source ?? "unknown";
      // "Server unavailable": the client comes back later, and does not conclude its password is wrong.
      if (!failures.allows(source)) {
        refuse("connect", "auth-rate-limited", { clientId: client.id, username, source });
        return done(authError("server unavailable", SERVER_UNAVAILABLE), false);
      }
      const secret = password ? password.toString("utf8") : "";
      // Asked again at its turn: the failures of a storm's first CONNECTs come in while the rest
      // of it waits in the queue, and those need no scrypt any more.
      const check = (): Promise<Principal | null | "rate-limited"> => (failures.allows(source) ? checkSecret(auth, claim, secret) : Promise.resolve("rate-limited"));
      gate.run(source, check, () => !client.closed).then(
        (r) => {
          if (!r.ran) {
            // The client left while waiting: its check was never run, and aedes ignores the answer.
            if (r.why === "abandoned") return done(authError("client gone", SERVER_UNAVAILABLE), false);
            refuse("connect", "auth-busy", { clientId: client.id, username, source });
            return done(authError("server unavailable", SERVER_UNAVAILABLE), false);
          }
          if (r.value === "rate-limited") {
            refuse("connect", "auth-rate-limited", { clientId: client.id, username, source });
            return done(authError("server unavailable", SERVER_UNAVAILABLE), false);
          }
          const principal = r.value;
          if (!principal) {
            failures.failed(source);
            refuse("connect", "bad-password", { clientId: client.id, username, source });
            return done(authError("bad username or password", BAD_USERNAME_OR_PASSWORD), false);
          }
          if (principal.kind === "operator") {
            const d = operatorMayUse(principal.tokenId, client.id);
            if (!d.ok) {
              refuse("connect", d.reason, { clientId: client.id, principal: describePrincipal(principal) });
              return done(authError(d.reason, IDENTIFIER_REJECTED), false);
            }
          }
          conn?.guard.authenticated();
          principals.set(client, principal);
          logger.debug({ clientId: client.id, principal: describePrincipal(principal) }, "client authenticated");
          done(null, true);
        },
        (err: unknown) => {
          logger.error({ err, clientId: client.id }, "authentication failed with an error");
          done(authError("server unavailable", SERVER_UNAVAILABLE), false);
        },
      );
    },
    authorizePublish(client, packet, done) {
      const principal = client ? principals.get(client) : undefined;
      if (!principal) {
        refuse("publish", "unauthenticated", { topic: packet.topic });
        return done(new Error("not authorized"));
      }
      const d = decidePublish(principal, topics, packet.topic, packet.retain, packet.payload?.length ?? 0);
      if (!d.ok) {
        refuse("publish", d.reason, { clientId: client?.id, topic: packet.topic });
        // An error closes the connection [MQTT-3.3.5-2 lets the server disconnect]: a device that
        // publishes as another is misbehaving and gets no quiet second chance.
        return done(new Error(d.reason));
      }
      if (principal.kind !== "device" || !opts.ingest) return done(null);
      // Until this answers, aedes neither acknowledges the packet nor reads the device's socket again.
      const keepReading = opts.ingest.submit(packet.topic, packet.payload as Buffer, (answer) => {
        if (client) corkUntilTheBatchIsAnswered(client.conn as unknown as Duplex);
        if (answer === "retry") done(new Error("the store is unavailable: not acknowledged, send it again"));
        else done(null);
      });
      if (!keepReading && client) holdConnection(client.conn as unknown as Duplex);
    },
    authorizeSubscribe(client, sub, done) {
      const principal = principals.get(client);
      const d = principal ? decideSubscribe(principal, topics, sub.topic) : ({ ok: false, reason: "unauthenticated" } as const);
      if (!d.ok) {
        refuse("subscribe", d.reason, { clientId: client.id, topic: sub.topic });
        // A null subscription answers 0x80 in SUBACK and keeps the connection [MQTT-3.9.3].
        return done(null, null);
      }
      done(null, sub);
    },
  });
  aedes.on("clientError", (client, err) => logger.debug({ clientId: client.id, err: err.message }, "client error"));
  // Errors before a CONNECT: aedes's connect timer ("connect did not arrive in time") among them.
  aedes.on("connectionError", (client, err) => {
    if (/connect did not arrive/.test(err.message)) refuse("socket", "connect-timeout", { source: connections.get(client.conn)?.source });
    else logger.debug({ err: err.message }, "connection error before CONNECT");
  });

  /** The socket bound, counted over plain and TLS together, before any byte is read. */
  const admit = (socket: Socket): boolean => {
    if (open >= limits.maxConnections) {
      refuse("socket", "too-many-connections", { source: socket.remoteAddress, open });
      socket.destroy();
      return false;
    }
    open++;
    socket.once("close", () => open--);
    return true;
  };
  const handle = (socket: Socket) => {
    // MQTT packets are small and answered (PUBACK, a command and its response): Nagle's algorithm
    // against the peer's delayed ACK held each of them ~40 ms.
    socket.setNoDelay(true);
    const source = sourceKey(socket.remoteAddress);
    const guard = guardSocket(socket, PACKET_SIZE_LIMITS, (r) => refuse("socket", r.reason, { source, ...r }));
    connections.set(guard.stream, { source, guard });
    aedes.handle(guard.stream as unknown as Socket);
  };
  const host = opts.host ?? "0.0.0.0";
  const server: Server = createServer((socket) => {
    if (admit(socket)) handle(socket);
  });
  const closeAedes = () => new Promise<void>((resolve) => aedes.close(() => resolve()));
  const port = await listen(server, opts.port, host).catch(async (err: unknown) => {
    await closeAedes();
    throw err;
  });
  logger.info({ port }, "embedded MQTT broker listening");
  // The same broker, the same authentication and ACL, behind TLS: devices on the public internet.
  // A handshake that never completes holds its socket like an idle one: the same timeout.
  const tlsServer = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: limits.connectTimeoutMs }, handle) : null;
  // Counted on the raw TCP socket, before the handshake spends anything on it.
  tlsServer?.on("connection", admit);
  // A TLS port that fails to listen leaves nothing behind: the plain listener and aedes close too.
  const tlsPort =
    tlsServer && opts.tls
      ? await listen(tlsServer, opts.tls.port, host).catch(async (err: unknown) => {
          await closeAedes();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          throw err;
        })
      : null;
  if (tlsPort !== null) logger.info({ port: tlsPort }, "embedded MQTT broker listening with TLS");

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    tlsPort,
    async close() {
      await closeAedes();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tlsServer) await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
