import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import type { Logger } from "pino";
import type { Topics } from "@uplink/shared";
import type { Authenticator } from "../auth/credentials.ts";
import { describePrincipal, type Principal } from "../auth/principal.ts";
import type { Metrics } from "../metrics.ts";
import { claimOf, decidePublish, decideSubscribe } from "./acl.ts";

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
}

// MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2.3].
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * aedes in-process with the ACL of acl.ts. Every refusal is logged on one line and counted in
 * `uplink_broker_rejections_total{action,reason}`.
 */
export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { topics, auth, logger, metrics } = opts;
  const principals = new WeakMap<Client, Principal>();

  function refuse(action: string, reason: string, fields: Record<string, unknown>): void {
    metrics.inc("uplink_broker_rejections_total", { action, reason });
    logger.warn({ action, reason, ...fields }, `broker refused ${action}: ${reason}`);
  }

  const aedes = await Aedes.createBroker({
    id: "uplink",
    authenticate(client, username, password, done) {
      const claim = claimOf(client.id, username);
      if (!claim.ok) {
        refuse("connect", claim.reason, { clientId: client.id, username });
        const code = claim.reason === "client-id-mismatch" ? IDENTIFIER_REJECTED : BAD_USERNAME_OR_PASSWORD;
        return done(authError(claim.reason, code), false);
      }
      const secret = password ? password.toString("utf8") : "";
      const check =
        claim.secretKind === "device-password" && claim.principal.kind === "device"
          ? auth.verifyDevice(claim.principal.deviceId, secret).then((ok) => (ok ? claim.principal : null))
          : claim.secretKind === "server-secret"
            ? auth.verifyServer(secret).then((ok) => (ok ? claim.principal : null))
            : auth.verifyToken(secret).then((name): Principal | null => (name ? { kind: "operator", tokenName: name } : null));
      check.then(
        (principal) => {
          if (!principal) {
            refuse("connect", "bad-password", { clientId: client.id, username });
            return done(authError("bad username or password", BAD_USERNAME_OR_PASSWORD), false);
          }
          principals.set(client, principal);
          logger.debug({ clientId: client.id, principal: describePrincipal(principal) }, "client authenticated");
          done(null, true);
        },
        (err: unknown) => {
          logger.error({ err, clientId: client.id }, "authentication failed with an error");
          done(authError("server unavailable", NOT_AUTHORIZED), false);
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
      done(null);
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

  const handle = (socket: Socket) => {
    // MQTT packets are small and answered (PUBACK, a command and its response): Nagle's algorithm
    // against the peer's delayed ACK held each of them ~40 ms.
    socket.setNoDelay(true);
    aedes.handle(socket);
  };
  const host = opts.host ?? "0.0.0.0";
  const server: Server = createServer(handle);
  const port = await listen(server, opts.port, host);
  logger.info({ port }, "embedded MQTT broker listening");
  // The same broker, the same authentication and ACL, behind TLS: devices on the public internet.
  const tlsServer = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, handle) : null;
  const tlsPort = tlsServer && opts.tls ? await listen(tlsServer, opts.tls.port, host) : null;
  if (tlsPort !== null) logger.info({ port: tlsPort }, "embedded MQTT broker listening with TLS");

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    tlsPort,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
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
