import {
  channelSchemas,
  decodePayload,
  type Channel,
  type CommandResponse,
  type EventMessage,
  type HealthMessage,
  type HeartbeatMessage,
  type StatusMessage,
  type Topics,
} from "@uplink/shared";
import type { Logger } from "pino";
import type { Fleet } from "../fleet.ts";
import type { Metrics } from "../metrics.ts";
import { noteIgnoredResponse } from "../commands/ignored-responses.ts";
import { applyResponse, ignoredBecause, isFinal } from "../state/command-lifecycle.ts";
import { PostgresError } from "../store/postgres-sync.ts";
import type { Store } from "../store/store.ts";
import type { CommandRecord, SeqReceipt } from "../state/types.ts";
import { emptyReceipt, MAX_SEQ_JUMP, observeSeq, unobserve } from "./seq-receipt.ts";

export interface IngestContext {
  topics: Topics;
  fleet: Fleet;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  /**
   * A device said it is online: it has just (re)connected and subscribed. The dispatcher sends it
   * its pending commands then, because a broker that restarted has no session to hold them.
   */
  onDeviceOnline?: (deviceId: string) => void;
}

export type IngestOutcome =
  | { ok: true; verdict: "new" | "late" | "will" | "stale" }
  | { ok: false; verdict: "duplicate" }
  | { ok: false; verdict: "rejected"; reason: string; message: string }
  /** The store failed (disk full, database away): nothing was kept or counted; do not acknowledge. */
  | { ok: false; verdict: "retry"; message: string };

type DeviceChannel = Exclude<Channel, "cmd/req">;

function reject(ctx: IngestContext, topic: string, reason: string, message: string): IngestOutcome {
  ctx.metrics.inc("uplink_messages_rejected_total", { reason });
  ctx.logger.warn({ topic, reason }, `rejected message on ${topic}: ${reason}: ${message}`);
  return { ok: false, verdict: "rejected", reason, message };
}

/** A device message as it came off the broker. */
export interface RawMessage {
  topic: string;
  payload: Uint8Array;
  receivedAt: string;
}

/**
 * One device message, from its topic and raw payload to the store and the fleet. Never throws:
 * anything wrong with the message is a counted, logged rejection; a store that fails is `retry`,
 * which the caller answers by not acknowledging the message (the device or the broker sends it
 * again), so that nothing is counted as received that was not stored.
 */
export function handleDeviceMessage(ctx: IngestContext, topic: string, payload: Uint8Array, receivedAt: string): IngestOutcome {
  return handleDeviceMessages(ctx, [{ topic, payload, receivedAt }])[0]!;
}

/**
 * Several device messages, in order, stored in one transaction: under load the broker hands over
 * what its sockets delivered since the last turn, and one commit per batch instead of one per
 * message is most of what ingest costs. The fleet sees the batch only once it is committed; if
 * the commit fails, nothing of it is counted and every message is `retry`.
 */
export function handleDeviceMessages(ctx: IngestContext, messages: readonly RawMessage[]): IngestOutcome[] {
  const decoded = messages.map((m) => decodeDeviceMessage(ctx, m));
  if (ctx.fleet.shared) return decoded.map((d, i) => (isOutcome(d) ? d : ingestLocked(ctx, messages[i]!, d)));
  const batch = newBatch();
  let outcomes: IngestOutcome[];
  try {
    outcomes = ctx.store.transaction(() => {
      const out = decoded.map((d, i) => (isOutcome(d) ? d : ingest(ctx, batch, messages[i]!, d)));
      saveReceipts(ctx, batch);
      return out;
    });
  } catch (err) {
    if (!isStoreFailure(err)) throw err;
    const failed = storeFailed(ctx, `${messages.length} messages`, err);
    return decoded.map((d) => (isOutcome(d) ? d : failed));
  }
  commit(ctx, batch);
  return outcomes;
}

interface Decoded {
  channel: DeviceChannel;
  msg: DeviceMessage;
}

function isOutcome(d: Decoded | IngestOutcome): d is IngestOutcome {
  return "verdict" in d;
}

function decodeDeviceMessage(ctx: IngestContext, { topic, payload }: RawMessage): Decoded | IngestOutcome {
  const where = ctx.topics.parse(topic);
  if (!where) return reject(ctx, topic, "bad-topic", "not one of the device topics");
  if (where.channel === "cmd/req") return reject(ctx, topic, "bad-topic", "command requests are the server's own");
  const channel: DeviceChannel = where.channel;
  const decoded = decodePayload(channelSchemas[channel], payload);
  if (!decoded.ok) return reject(ctx, topic, decoded.reason, decoded.message);
  const msg = decoded.value;
  if (msg.deviceId !== where.deviceId) {
    return reject(ctx, topic, "device-mismatch", `payload says ${msg.deviceId}, topic says ${where.deviceId}`);
  }
  return { channel, msg };
}

/**
 * Replicas: this device's stored state, locked, is the truth; the message and the new state
 * commit together, so a replica killed half-way leaves neither (and the broker redelivers).
 */
function ingestLocked(ctx: IngestContext, raw: RawMessage, d: Decoded): IngestOutcome {
  let outcome: IngestOutcome | undefined;
  const batch = newBatch();
  try {
    ctx.store.updateDeviceState(d.msg.deviceId, (stored) => {
      if (stored) ctx.fleet.adopt(stored);
      outcome = ingest(ctx, batch, raw, d);
      if (!outcome.ok && (outcome.verdict === "rejected" || outcome.verdict === "retry")) throw new StoreRollback();
      saveReceipts(ctx, batch);
      commit(ctx, batch);
      return ctx.fleet.device(d.msg.deviceId) ?? null;
    });
  } catch (err) {
    if (!(err instanceof StoreRollback)) return storeFailed(ctx, raw.topic, err);
  }
  return outcome!;
}

class StoreRollback extends Error {}

type DeviceMessage = StatusMessage | HeartbeatMessage | HealthMessage | EventMessage | CommandResponse;

/**
 * The store's own failure (I/O, a full disk, a lost database): worth another try later. What is
 * wrong with the message itself is not: PostgreSQL's data exceptions (SQLSTATE class 22, e.g. a
 * NUL in a string) and a value JSON cannot write.
 */
function isStoreFailure(err: unknown): boolean {
  if (err instanceof PostgresError) return !(err.code ?? "").startsWith("22");
  const code = String((err as { code?: unknown })?.code ?? "");
  return code.startsWith("SQLITE_") || code === "UPLINK_STORE_FAILED";
}

function storeFailed(ctx: IngestContext, what: string, err: unknown): IngestOutcome {
  ctx.metrics.inc("uplink_store_failures_total");
  ctx.logger.error({ err, what }, "storing device messages failed; they are not acknowledged and will come again");
  return { ok: false, verdict: "retry", message: (err as Error).message };
}

/**
 * What a batch changed, held back from the fleet until the batch commits: each device's receipt
 * and each command as the batch left them (a later message of the batch builds on them), and the
 * state changes to apply, in order.
 */
interface Batch {
  receipts: Map<string, SeqReceipt>;
  commands: Map<string, CommandRecord>;
  apply: Array<() => void>;
}

function newBatch(): Batch {
  return { receipts: new Map(), commands: new Map(), apply: [] };
}

/** Each device's receipt once per batch, as the batch left it: in the batch's transaction. */
function saveReceipts(ctx: IngestContext, batch: Batch): void {
  for (const [deviceId, receipt] of batch.receipts) ctx.store.saveReceipt(deviceId, receipt);
}

function commit(ctx: IngestContext, batch: Batch): void {
  for (const [deviceId, receipt] of batch.receipts) ctx.fleet.dispatch({ kind: "seq.observed", deviceId, receipt });
  for (const apply of batch.apply) apply();
}

function ingest(ctx: IngestContext, batch: Batch, { topic, receivedAt }: RawMessage, { channel, msg }: Decoded): IngestOutcome {
  const before = batch.receipts.get(msg.deviceId) ?? ctx.fleet.device(msg.deviceId)?.seq ?? emptyReceipt();
  const seen = observeSeq(before, msg.bootId, msg.seq, msg.ts);
  if (seen.verdict === "anomaly") {
    batch.receipts.set(msg.deviceId, seen.receipt);
    ctx.metrics.inc("uplink_seq_anomalies_total");
    return reject(ctx, topic, "seq-anomaly", `seq ${msg.seq} of boot ${msg.bootId} jumps more than ${MAX_SEQ_JUMP} past the last one`);
  }
  if (seen.verdict === "duplicate") {
    batch.receipts.set(msg.deviceId, seen.receipt);
    ctx.metrics.inc("uplink_messages_duplicate_total");
    return { ok: false, verdict: "duplicate" };
  }

  // The message and the receipt that counts it commit together (the batch's transaction): never
  // counted and lost, never stored and counted missing. The store's unique (device, boot, seq) has
  // the last word on news. A message that cannot be stored leaves the rest of the batch whole
  // (`isolated`); a store that failed fails the batch, which is retried.
  let change: Change;
  try {
    const persisted = ctx.store.isolated(() => PERSIST[channel](ctx, batch, msg as never, receivedAt));
    // The last will is the same message after every lost connection of a boot, stored once and
    // news each time.
    const c = seen.verdict === "will" ? { ...persisted, stored: true } : persisted;
    change = { ...c, receipt: seen.verdict === "stale" ? seen.receipt : c.stored ? seen.receipt : unobserve(before) };
  } catch (err) {
    if (isStoreFailure(err)) throw err;
    // The message itself cannot be stored (e.g. a value JSON cannot write): a counted rejection,
    // and its seq stays a gap, because it was not kept.
    ctx.logger.error({ err, topic }, "a device message could not be stored");
    return reject(ctx, topic, "unstorable", (err as Error).message);
  }
  batch.receipts.set(msg.deviceId, change.receipt);
  if (!change.stored) {
    ctx.metrics.inc("uplink_messages_duplicate_total");
    return { ok: false, verdict: "duplicate" };
  }
  if (seen.verdict === "stale") {
    ctx.metrics.inc("uplink_messages_stale_total");
    return { ok: true, verdict: "stale" };
  }
  if (change.receipt.gaps > before.gaps) ctx.metrics.inc("uplink_seq_skipped_total", {}, change.receipt.gaps - before.gaps);
  if (seen.verdict === "late") ctx.metrics.inc("uplink_messages_late_total");
  ctx.metrics.inc("uplink_messages_in_total", { channel });
  // An earlier boot's messages are history: stored, counted, but they do not turn back the
  // device's live state (a command's answer is news whatever the boot).
  if (seen.current || channel === "cmd/res") {
    batch.apply.push(() => {
      change.apply();
      // The state now shows the message: how long since the device made it (by the device's clock).
      ctx.metrics.observe("uplink_ingest_delay_seconds", Math.max(0, Date.now() - Date.parse(msg.ts)) / 1000);
    });
  }
  return { ok: true, verdict: seen.verdict };
}

/** What storing a message did: whether the store took it as new, and how to show it in the fleet. */
interface Stored {
  stored: boolean;
  apply: () => void;
}
type Change = Stored & { receipt: SeqReceipt };

const PERSIST: { [C in DeviceChannel]: (ctx: IngestContext, batch: Batch, msg: never, receivedAt: string) => Stored } = {
  status: (ctx, _batch, m: StatusMessage, receivedAt) => ({
    stored: ctx.store.appendStatus(m.deviceId, receivedAt, m),
    apply: () => {
      ctx.fleet.dispatch({ kind: "status", receivedAt, message: m });
      if (m.state === "online") ctx.onDeviceOnline?.(m.deviceId);
    },
  }),
  heartbeat: (ctx, _batch, m: HeartbeatMessage, receivedAt) => ({
    stored: ctx.store.appendHeartbeat(m.deviceId, receivedAt, m),
    apply: () => ctx.fleet.dispatch({ kind: "heartbeat", receivedAt, message: m }),
  }),
  health: (ctx, _batch, m: HealthMessage, receivedAt) => ({
    stored: ctx.store.appendHealth(m.deviceId, receivedAt, m),
    apply: () => ctx.fleet.dispatch({ kind: "health", receivedAt, message: m }),
  }),
  events: (ctx, _batch, m: EventMessage, receivedAt) => ({
    stored: ctx.store.appendEvent(m.deviceId, receivedAt, m),
    apply: () => {
      ctx.fleet.dispatch({ kind: "event", receivedAt, message: m });
      ctx.fleet.publishEvent(m.deviceId, receivedAt, m);
    },
  }),
  "cmd/res": (ctx, batch, m: CommandResponse, receivedAt) => {
    const cmd = batch.commands.get(m.requestId) ?? ctx.fleet.state.commands[m.requestId] ?? ctx.store.getCommand(m.requestId);
    if (!cmd || cmd.deviceId !== m.deviceId) {
      // Received (its seq is no gap) and deliberately not kept: counted and logged as such.
      ctx.metrics.inc("uplink_messages_rejected_total", { reason: "unknown-command" });
      ctx.logger.warn({ deviceId: m.deviceId, requestId: m.requestId }, "response to a command this server did not issue to that device");
      return { stored: true, apply: () => undefined };
    }
    // After the command is final (or a duplicate's echo): not stored, not streamed, counted.
    const ignored = ignoredBecause(cmd, m);
    if (ignored) {
      noteIgnoredResponse(ctx, cmd, m, ignored);
      return { stored: true, apply: () => undefined };
    }
    const next = applyResponse(cmd, m, receivedAt);
    ctx.store.saveCommand(next);
    batch.commands.set(next.id, next);
    return {
      stored: true,
      apply: () => {
        ctx.fleet.dispatch({ kind: "command.updated", command: next });
        if (isFinal(next.state) && next.state !== cmd.state) ctx.metrics.inc("uplink_command_outcomes_total", { state: next.state });
      },
    };
  },
};
