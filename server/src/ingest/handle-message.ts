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
import type { Store } from "../store/store.ts";
import { emptyReceipt, observeSeq } from "./seq-receipt.ts";

export interface IngestContext {
  topics: Topics;
  fleet: Fleet;
  store: Store;
  metrics: Metrics;
  logger: Logger;
}

export type IngestOutcome =
  | { ok: true; verdict: "new" | "late" | "will" }
  | { ok: false; verdict: "duplicate" | "stale" }
  | { ok: false; verdict: "rejected"; reason: string; message: string };

type DeviceChannel = Exclude<Channel, "cmd/req">;

function reject(ctx: IngestContext, topic: string, reason: string, message: string): IngestOutcome {
  ctx.metrics.inc("uplink_messages_rejected_total", { reason });
  ctx.logger.warn({ topic, reason }, `rejected message on ${topic}: ${reason}: ${message}`);
  return { ok: false, verdict: "rejected", reason, message };
}

/**
 * One device message, from its topic and raw payload to the fleet and the store. Never throws:
 * anything wrong with the message is a counted, logged rejection.
 */
export function handleDeviceMessage(ctx: IngestContext, topic: string, payload: Uint8Array, receivedAt: string): IngestOutcome {
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

  if (!ctx.fleet.shared) return ingest(ctx, topic, channel, msg, receivedAt);
  // Replicas: this device's stored state, locked, is the truth; the message and the new state
  // commit together, so a replica killed half-way leaves neither (and the broker redelivers).
  let outcome: IngestOutcome | undefined;
  try {
    ctx.store.updateDeviceState(msg.deviceId, (stored) => {
      if (stored) ctx.fleet.adopt(stored);
      outcome = ingest(ctx, topic, channel, msg, receivedAt);
      if (!outcome.ok && outcome.verdict === "rejected") throw new StoreRollback();
      return ctx.fleet.device(msg.deviceId) ?? null;
    });
  } catch (err) {
    if (!(err instanceof StoreRollback)) {
      ctx.logger.error({ err, topic }, "the shared store failed");
      return reject(ctx, topic, "internal-error", (err as Error).message);
    }
  }
  return outcome!;
}

class StoreRollback extends Error {}

type DeviceMessage = StatusMessage | HeartbeatMessage | HealthMessage | EventMessage | CommandResponse;

function ingest(ctx: IngestContext, topic: string, channel: DeviceChannel, msg: DeviceMessage, receivedAt: string): IngestOutcome {
  const before = ctx.fleet.device(msg.deviceId)?.seq ?? emptyReceipt();
  const { receipt, verdict } = observeSeq(before, msg.bootId, msg.seq);
  ctx.fleet.dispatch({ kind: "seq.observed", deviceId: msg.deviceId, receipt });
  if (verdict === "duplicate" || verdict === "stale") {
    ctx.metrics.inc(verdict === "duplicate" ? "uplink_messages_duplicate_total" : "uplink_messages_stale_total");
    return { ok: false, verdict };
  }
  if (receipt.gaps > before.gaps) ctx.metrics.inc("uplink_seq_skipped_total", {}, receipt.gaps - before.gaps);
  if (verdict === "late") ctx.metrics.inc("uplink_messages_late_total");
  ctx.metrics.inc("uplink_messages_in_total", { channel });

  try {
    HANDLERS[channel](ctx, msg as never, receivedAt);
  } catch (err) {
    ctx.logger.error({ err, topic }, "storing a device message failed");
    return reject(ctx, topic, "internal-error", (err as Error).message);
  }
  // The state now shows the message: how long since the device made it (by the device's clock).
  ctx.metrics.observe("uplink_ingest_delay_seconds", Math.max(0, Date.now() - Date.parse(msg.ts)) / 1000);
  return { ok: true, verdict };
}

const HANDLERS: { [C in DeviceChannel]: (ctx: IngestContext, msg: never, receivedAt: string) => void } = {
  status: (ctx, m: StatusMessage, receivedAt) => {
    ctx.fleet.dispatch({ kind: "status", receivedAt, message: m });
  },
  heartbeat: (ctx, m: HeartbeatMessage, receivedAt) => {
    ctx.store.appendHeartbeat(m.deviceId, receivedAt, m);
    ctx.fleet.dispatch({ kind: "heartbeat", receivedAt, message: m });
  },
  health: (ctx, m: HealthMessage, receivedAt) => {
    ctx.store.appendHealth(m.deviceId, receivedAt, m);
    ctx.fleet.dispatch({ kind: "health", receivedAt, message: m });
  },
  events: (ctx, m: EventMessage, receivedAt) => {
    ctx.store.appendEvent(m.deviceId, receivedAt, m);
    ctx.fleet.dispatch({ kind: "event", receivedAt, message: m });
    ctx.fleet.publishEvent(m.deviceId, receivedAt, m);
  },
  "cmd/res": (ctx, m: CommandResponse, receivedAt) => {
    const cmd = ctx.fleet.state.commands[m.requestId] ?? ctx.store.getCommand(m.requestId);
    if (!cmd || cmd.deviceId !== m.deviceId) {
      ctx.metrics.inc("uplink_messages_rejected_total", { reason: "unknown-command" });
      ctx.logger.warn({ deviceId: m.deviceId, requestId: m.requestId }, "response to a command this server did not issue to that device");
      return;
    }
    // After the command is final (or a duplicate's echo): not stored, not streamed, counted.
    const ignored = ignoredBecause(cmd, m);
    if (ignored) {
      noteIgnoredResponse(ctx, cmd, m, ignored);
      return;
    }
    const next = applyResponse(cmd, m, receivedAt);
    ctx.store.saveCommand(next);
    ctx.fleet.dispatch({ kind: "command.updated", command: next });
    if (isFinal(next.state) && next.state !== cmd.state) ctx.metrics.inc("uplink_command_outcomes_total", { state: next.state });
  },
};
