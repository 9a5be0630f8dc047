import type { Logger } from "pino";
import type { Metrics } from "../metrics.ts";
import type { IngestOutcome, RawMessage } from "./handle-message.ts";

export interface IngestQueueOptions {
  /** Stores a batch in one transaction; one outcome per message, in order (handleDeviceMessages). */
  handle: (batch: readonly RawMessage[]) => IngestOutcome[];
  metrics: Metrics;
  logger: Logger;
  /** The most messages one transaction takes; the rest wait for the next turn of the event loop. */
  maxBatch?: number;
}

export interface IngestQueue {
  /** Queues a message; `done` gets its outcome once its batch has committed (or failed). */
  submit(raw: RawMessage, done: (outcome: IngestOutcome) => void): void;
  readonly depth: number;
}

/** The default batch: large enough that a commit's fixed cost vanishes, small enough to stay under ~50 ms. */
export const MAX_BATCH = 500;

/** The channel of a device topic, for the queue's per-class depth (`.../status`, `.../cmd/res`). */
function channelOf(topic: string): string {
  return topic.endsWith("/cmd/res") ? "cmd/res" : topic.slice(topic.lastIndexOf("/") + 1);
}

/**
 * Between the broker and the store: the messages that arrived in one turn of the event loop are
 * stored in one transaction, then acknowledged. Nothing here is unbounded: the embedded broker
 * does not read a device's socket again until every packet of its last read has been answered
 * (aedes's `_parsingBatch`), so what waits here is at most one socket read per connection, and
 * under overload the rest waits in the devices' TCP buffers and outboxes, where QoS 1 holds it.
 */
export function createIngestQueue(opts: IngestQueueOptions): IngestQueue {
  const { handle, metrics, logger, maxBatch = MAX_BATCH } = opts;
  const queue: Array<{ raw: RawMessage; done: (outcome: IngestOutcome) => void }> = [];
  const depthByClass = new Map<string, number>();
  let scheduled = false;

  metrics.gauge("uplink_ingest_queue_depth", "device messages received and not yet stored, by channel", () =>
    [...depthByClass].map(([channel, n]) => ({ labels: { channel }, value: n })),
  );

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // setImmediate, not a microtask: the sockets' reads of this turn join the batch first.
    setImmediate(flush);
  }

  function flush(): void {
    scheduled = false;
    const items = queue.splice(0, maxBatch);
    for (const { raw } of items) {
      const c = channelOf(raw.topic);
      depthByClass.set(c, (depthByClass.get(c) ?? 1) - 1);
    }
    let outcomes: IngestOutcome[];
    try {
      outcomes = handle(items.map((i) => i.raw));
    } catch (err) {
      // A bug, not the store (that is `retry`): answered, so that a device does not resend it for ever.
      logger.error({ err, messages: items.length }, "ingesting a batch failed");
      metrics.inc("uplink_messages_rejected_total", { reason: "internal-error" }, items.length);
      outcomes = items.map(() => ({ ok: false, verdict: "rejected", reason: "internal-error", message: (err as Error).message }));
    }
    metrics.observe("uplink_ingest_batch_size", items.length);
    items.forEach((item, i) => item.done(outcomes[i]!));
    if (queue.length > 0) schedule();
  }

  return {
    submit(raw, done) {
      queue.push({ raw, done });
      const c = channelOf(raw.topic);
      depthByClass.set(c, (depthByClass.get(c) ?? 0) + 1);
      schedule();
    },
    get depth() {
      return queue.length;
    },
  };
}
