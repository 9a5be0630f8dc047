import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
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
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  port: number;
  host?: string;
  topics: Topics;
  auth: Authenticator;
  logger: Logger;
  metrics: Metrics;
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

  const server: Server = createServer((socket) => {
    // MQTT packets are small and answered (PUBACK, a command and its response): Nagle's algorithm
    // against the peer's delayed ACK held each of them ~40 ms.
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, "embedded MQTT broker listening");

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
