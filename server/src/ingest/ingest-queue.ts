import type { Logger } from "pino";
import type { Metrics } from "../metrics.ts";
import type { IngestOutcome, RawMessage } from "./handle-message.ts";

export interface IngestQueueOptions {
  /** Stores a batch in one transaction; one outcome per message, in order (handleDeviceMessages). */
  handle: (batch: readonly RawMessage[]) => IngestOutcome[];
  metrics: Metrics;
  logger: Logger;
  /** The most messages one transaction takes; a turn stores what is queued in as many as it needs. */
  maxBatch?: number;
  /** Past this many queued, `submit` says to stop reading; `onRelief` says when to read again (at half). */
  highWater?: number;
}

export interface IngestQueue {
  /**
   * Queues a message; `done` gets its outcome once its batch has committed (or failed). Returns
   * false when the queue is past its high-water mark: the caller should stop reading its source
   * until `onRelief` calls.
   */
  submit(raw: RawMessage, done: (outcome: IngestOutcome) => void): boolean;
  /** Called after a turn that left the queue below half its high-water mark. */
  onRelief(fn: () => void): void;
  readonly depth: number;
}

/** The default batch: large enough that a commit's fixed cost vanishes, small enough to stay under ~50 ms. */
export const MAX_BATCH = 500;
/**
 * The default high-water mark: ~10 MB of device messages at their usual ~1 KB. The embedded broker
 * stops reading a connection that adds to a queue this deep, and the rest of an overload waits in
 * the devices' TCP buffers and outboxes, where QoS 1 holds it.
 */
export const HIGH_WATER = 10_000;

/** The channel of a device topic, for the queue's per-class depth (`.../status`, `.../cmd/res`). */
function channelOf(topic: string): string {
  return topic.endsWith("/cmd/res") ? "cmd/res" : topic.slice(topic.lastIndexOf("/") + 1);
}

/**
 * Between the broker and the store: what the sockets delivered in one turn of the event loop is
 * stored, in transactions of at most `maxBatch`, at the end of the turn (or as soon as a batch is
 * full), and only then acknowledged.
 * Bounded twice: aedes reads nothing more from a connection until every packet of its last read
 * is answered, and the broker stops reading connections altogether while the queue is past its
 * high-water mark (one socket read may hold a hundred packets; thousands of connections, one read
 * each, outran a turn's work before this, and the queue grew without end).
 */
export function createIngestQueue(opts: IngestQueueOptions): IngestQueue {
  const { handle, metrics, logger, maxBatch = MAX_BATCH, highWater = HIGH_WATER } = opts;
  let queue: Array<{ raw: RawMessage; done: (outcome: IngestOutcome) => void }> = [];
  const depthByClass = new Map<string, number>();
  const relief: Array<() => void> = [];
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

  function store(items: typeof queue): void {
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
    for (let i = 0; i < items.length; i++) {
      try {
        items[i]!.done(outcomes[i]!);
      } catch (err) {
        // One answer that throws must not leave the rest unanswered (their connections would stall).
        logger.error({ err }, "answering an ingested message failed");
      }
    }
  }

  // A full batch does not wait for the turn's end: libuv may hand over tens of thousands of
  // socket reads in one poll phase before any setImmediate runs, and the queue grew for seconds.
  let soon = false;
  function flushSoon(): void {
    if (soon) return;
    soon = true;
    queueMicrotask(() => {
      soon = false;
      flush();
    });
  }

  function flush(): void {
    scheduled = false;
    // Everything queued by now: answers given below may make the broker read (and queue) more,
    // which waits for the next turn.
    const taken = queue;
    queue = [];
    depthByClass.clear();
    for (let i = 0; i < taken.length; i += maxBatch) store(taken.slice(i, i + maxBatch));
    if (queue.length > 0) schedule();
    if (queue.length < highWater / 2) for (const fn of relief) fn();
  }

  return {
    submit(raw, done) {
      queue.push({ raw, done });
      const c = channelOf(raw.topic);
      depthByClass.set(c, (depthByClass.get(c) ?? 0) + 1);
      if (queue.length >= maxBatch) flushSoon();
      else schedule();
      return queue.length < highWater;
    },
    onRelief(fn) {
      relief.push(fn);
    },
    get depth() {
      return queue.length;
    },
  };
}
