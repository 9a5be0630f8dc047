import { isDeviceId, MAX_PAYLOAD_BYTES, type Topics } from "@uplink/shared";
import {
  isOperatorClientIdOf,
  isServerClientId,
  OPERATOR_CLIENT_ID_PREFIX,
  OPERATOR_USERNAME,
  SERVER_USERNAME,
  type Principal,
} from "../auth/principal.ts";

/**
 * The broker's rules as pure functions, so that each decision is a table-driven unit test and the
 * Mosquitto ACL in deploy/mosquitto/ can be checked against the same table.
 */
export type Decision = { ok: true } | { ok: false; reason: string };

const ALLOW: Decision = { ok: true };
const deny = (reason: string): Decision => ({ ok: false, reason });

/** Who a CONNECT claims to be, before its password is checked. */
export type Claim =
  | { ok: true; principal: Principal; secretKind: "device-password" | "server-secret" | "operator-token" }
  | { ok: false; reason: string };

export function claimOf(clientId: string, username: string | undefined): Claim {
  if (!username) return { ok: false, reason: "no-credentials" };
  // Each principal connects only inside its own client id space (principal.ts): whoever chose
  // another's client id would take over that session and kick its owner off.
  if (username === SERVER_USERNAME) {
    if (!isServerClientId(clientId)) return { ok: false, reason: "client-id-mismatch" };
    return { ok: true, principal: { kind: "server" }, secretKind: "server-secret" };
  }
  if (username === OPERATOR_USERNAME) {
    // Which operator's space is known only once the token is verified (operatorMayUse).
    if (!clientId.startsWith(OPERATOR_CLIENT_ID_PREFIX)) return { ok: false, reason: "client-id-mismatch" };
    return { ok: true, principal: { kind: "operator", tokenName: "?", tokenId: "?" }, secretKind: "operator-token" };
  }
  if (!isDeviceId(username)) return { ok: false, reason: "unknown-user" };
  // One connection per device, and the broker's session (queued commands) is keyed by client id:
  // a device must not take over another's session by choosing its client id.
  if (clientId !== username) return { ok: false, reason: "client-id-mismatch" };
  return { ok: true, principal: { kind: "device", deviceId: username }, secretKind: "device-password" };
}

/** After the token is verified: an operator connects only under its own token's client ids. */
export function operatorMayUse(tokenId: string, clientId: string): Decision {
  return isOperatorClientIdOf(tokenId, clientId) ? ALLOW : deny("client-id-mismatch");
}

/** Channels a device publishes retained: its birth/will and its last health report. */
const RETAINED_CHANNELS = new Set(["status", "health"]);

function underRoot(topics: Topics, topic: string): boolean {
  return topic.startsWith(`${topics.root}/`);
}

export function decidePublish(principal: Principal, topics: Topics, topic: string, retain = false, bytes = 0): Decision {
  if (topic.startsWith("$")) return deny("reserved-topic");
  // aedes has no packet size limit of its own: refuse here what no reader of ours would accept,
  // before the broker relays it (or retains it) to every subscriber.
  if (bytes > MAX_PAYLOAD_BYTES) return deny("oversized");
  if (principal.kind === "server") return underRoot(topics, topic) ? ALLOW : deny("outside-root");
  // Commands go through the API, where they are validated against the catalog and recorded.
  if (principal.kind === "operator") return deny("operator-read-only");
  const parsed = topics.parse(topic);
  if (!parsed) return deny("not-a-device-topic");
  if (parsed.deviceId !== principal.deviceId) return deny("other-device");
  if (parsed.channel === "cmd/req") return deny("own-command-topic");
  if (retain && !RETAINED_CHANNELS.has(parsed.channel)) return deny("retain-not-allowed");
  return ALLOW;
}

/** `$share/{group}/{filter}` (MQTT 5 and most 3.1.1 brokers): the server's replicas split the load. */
function unshare(filter: string): string {
  const m = /^\$share\/[^/#+]+\/(.+)$/.exec(filter);
  return m ? m[1]! : filter;
}

export function decideSubscribe(principal: Principal, topics: Topics, filter: string): Decision {
  if (principal.kind === "device") {
    // Exactly its own command topic: no wildcard, no other device, no `$SYS`.
    return filter === topics.device(principal.deviceId, "cmd/req") ? ALLOW : deny("not-own-command-topic");
  }
  const target = principal.kind === "server" ? unshare(filter) : filter;
  if (target === `${topics.root}/#` || underRoot(topics, target)) return ALLOW;
  return deny("outside-root");
}
