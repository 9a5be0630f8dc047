import { channelSchemas, MAX_PAYLOAD_BYTES, PROTOCOL_VERSION, type Channel, type Envelope, type Topics } from "@uplink/shared";
import type { Logger } from "pino";
import type { OutboxClass } from "../outbox/entry.ts";
import type { Outbox } from "../outbox/outbox.ts";
import type { Clock } from "../runtime/clock.ts";
import { fitMessage } from "./fit-message.ts";
import type { Transport } from "./transport.ts";

export interface PublisherDeps {
  deviceId: string;
  bootId: string;
  topics: Topics;
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  /** Messages in flight at once; mqtt.js keeps their order on the one connection. */
  window?: number;
}

const CHANNEL_CLASS: Record<OutboxClass, Channel> = {
  heartbeat: "heartbeat",
  health: "health",
  event: "events",
  response: "cmd/res",
  status: "status",
};

/**
 * Stamps every device message with the envelope (one seq counter per boot, shared by all
 * channels) and sends it through the outbox: written to disk first, removed on PUBACK. So a
 * message made while the broker is away, or just before a power cut, is sent later, in order,
 * under its original bootId and seq.
 */
export class Publisher {
  private seq = 0;
  private readonly inflight = new Set<string>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private draining = false;
  private transport: Transport | null = null;

  constructor(private readonly deps: PublisherDeps) {}

  /** The connection is made after the publisher, because its last will needs an envelope. */
  attach(transport: Transport): void {
    this.transport = transport;
    transport.onConnect(() => this.drain());
  }

  get lastSeq(): number {
    return this.seq;
  }

  envelope(): Envelope {
    return {
      v: PROTOCOL_VERSION,
      deviceId: this.deps.deviceId,
      bootId: this.deps.bootId,
      seq: ++this.seq,
      ts: new Date(this.deps.clock.now()).toISOString(),
    };
  }

  /**
   * The payload, within what the broker and the server accept. Brokers refuse (and close the
   * connection on) a larger one, and the outbox would then resend it after every reconnect for
   * ever: so the bulky parts (a command's output, result and layer report) go, and the message says so.
   */
  private fitted(original: Envelope & object, cls: OutboxClass): string {
    // Within each string's and list's bound first (shared/src/bounds.ts), then within the size.
    const { value: message, cuts } = fitMessage(channelSchemas[CHANNEL_CLASS[cls]], original);
    if (cuts.length) this.deps.log.warn({ event: "message.cut", cls, cuts }, "message cut to the wire bounds");
    const payload = JSON.stringify(message);
    if (Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES) return payload;
    const { output: _o, result: _r, health: _h, ...rest } = message as Record<string, unknown>;
    this.deps.log.error({ event: "message.oversized", cls, bytes: Buffer.byteLength(payload) }, "message too large: sent without its output, result and layer report");
    const note = `(output of ${Buffer.byteLength(payload)} bytes dropped: over ${MAX_PAYLOAD_BYTES})`;
    // The note goes first: a message at its length bound is cut at its end, never the note.
    return JSON.stringify(fitMessage(channelSchemas[CHANNEL_CLASS[cls]], { ...rest, message: `${note} ${String(rest.message ?? "")}`.trim() }).value);
  }

  /** Stamps, stores and (when connected) sends; returns the message with its envelope. */
  send<T extends object>(cls: OutboxClass, body: T): Envelope & T {
    const message = { ...this.envelope(), ...body };
    const id = `${message.bootId}:${message.seq}`;
    const topic = this.deps.topics.device(this.deps.deviceId, CHANNEL_CLASS[cls]);
    // Health and status are retained: state a subscriber needs at once, not only history.
    this.deps.outbox.add({ id, cls, topic, payload: this.fitted(message, cls), retain: cls === "health" || cls === "status" });
    this.drain();
    return message;
  }

  /**
   * The clean `offline`, straight to the broker under the last will's envelope (seq 1): one of the
   * two is published, never both. Every other status goes through the outbox (`send("status")`),
   * so that its seq, like every other, is delivered or counted.
   */
  async publishStatus(body: object, envelope: Envelope): Promise<boolean> {
    const transport = this.transport;
    if (!transport?.connected) return false;
    const topic = this.deps.topics.device(this.deps.deviceId, "status");
    try {
      await transport.publish(topic, JSON.stringify({ ...envelope, ...body }), { retain: true });
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves true once the message with this bootId/seq is acknowledged, false after `timeoutMs`. */
  whenDelivered(envelope: Envelope, timeoutMs: number): Promise<boolean> {
    const id = `${envelope.bootId}:${envelope.seq}`;
    if (!this.deps.outbox.has(id)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(() => resolve(false), timeoutMs);
      const list = this.waiters.get(id) ?? [];
      list.push(() => {
        this.deps.clock.clearTimeout(timer);
        resolve(true);
      });
      this.waiters.set(id, list);
    });
  }

  /** Waits until the outbox is empty or `timeoutMs` has passed; true when empty. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = this.deps.clock.now() + timeoutMs;
    this.drain();
    while (this.deps.outbox.depth > 0 && this.deps.clock.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      this.drain();
    }
    return this.deps.outbox.depth === 0;
  }

  /** Sends pending messages oldest first, at most `window` unacknowledged at a time. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      const window = this.deps.window ?? 16;
      for (const entry of this.deps.outbox.pending()) {
        const transport = this.transport;
        if (!transport?.connected || this.inflight.size >= window) break;
        if (this.inflight.has(entry.id)) continue;
        this.inflight.add(entry.id);
        transport.publish(entry.topic, entry.payload, { retain: entry.retain }).then(
          () => {
            this.inflight.delete(entry.id);
            this.deps.outbox.done(entry.id);
            for (const fn of this.waiters.get(entry.id) ?? []) fn();
            this.waiters.delete(entry.id);
            this.drain();
          },
          (err: Error) => {
            // Kept in the outbox: sent again on the next connect.
            this.inflight.delete(entry.id);
            this.deps.log.debug({ event: "outbox.publish-failed", id: entry.id, err: err.message }, "publish failed");
          },
        );
      }
    } finally {
      this.draining = false;
    }
  }
}
