import pino from "pino";
import { describe, expect, it } from "vitest";
import type { IngestOutcome, RawMessage } from "../../../server/src/ingest/handle-message.ts";
import { createIngestQueue } from "../../../server/src/ingest/ingest-queue.ts";
import { createMetrics } from "../../../server/src/metrics.ts";

const raw = (i: number): RawMessage => ({ topic: `uplink/v1/pi-${i}/heartbeat`, payload: Buffer.from("{}"), receivedAt: new Date(0).toISOString() });
const ok: IngestOutcome = { ok: true, verdict: "new" };
const turn = () => new Promise((r) => setImmediate(r));

function queueWith(opts: { maxBatch?: number; highWater?: number } = {}) {
  const batches: number[] = [];
  const metrics = createMetrics();
  const queue = createIngestQueue({
    handle: (batch) => {
      batches.push(batch.length);
      return batch.map(() => ok);
    },
    metrics,
    logger: pino({ level: "silent" }),
    ...opts,
  });
  return { queue, batches, metrics };
}

describe("the ingest queue", () => {
  it("stores everything one turn delivered at the next turn, in transactions of at most maxBatch, then answers each", async () => {
    const { queue, batches } = queueWith({ maxBatch: 300 });
    const answered: number[] = [];
    for (let i = 0; i < 250; i++) queue.submit(raw(i), () => answered.push(i));
    expect(answered).toHaveLength(0);
    await turn();
    expect(batches).toEqual([250]);
    expect(answered).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(queue.depth).toBe(0);
  });

  it("stores a full batch as soon as it is full, without waiting for the turn's end", async () => {
    const { queue, batches } = queueWith({ maxBatch: 10 });
    for (let i = 0; i < 10; i++) queue.submit(raw(i), () => undefined);
    await Promise.resolve();
    expect(batches).toEqual([10]);
  });

  it("says to stop reading past its high-water mark, and calls for reading again once below half", async () => {
    const { queue } = queueWith({ highWater: 10, maxBatch: 100 });
    let relieved = 0;
    queue.onRelief(() => relieved++);
    const keepReading = Array.from({ length: 12 }, (_, i) => queue.submit(raw(i), () => undefined));
    expect(keepReading.filter((k) => !k)).toHaveLength(3);
    await turn();
    expect(relieved).toBe(1);
  });

  it("answers every message of a batch even when one answer throws", async () => {
    const { queue } = queueWith();
    const answered: number[] = [];
    queue.submit(raw(0), () => {
      throw new Error("a closed connection");
    });
    queue.submit(raw(1), () => answered.push(1));
    await turn();
    expect(answered).toEqual([1]);
  });

  it("answers a batch as rejected (not retried for ever) when storing it throws a bug", async () => {
    const metrics = createMetrics();
    const queue = createIngestQueue({
      handle: () => {
        throw new TypeError("a bug");
      },
      metrics,
      logger: pino({ level: "silent" }),
    });
    const outcomes: IngestOutcome[] = [];
    queue.submit(raw(0), (o) => outcomes.push(o));
    await turn();
    expect(outcomes).toMatchObject([{ ok: false, verdict: "rejected", reason: "internal-error" }]);
    expect(metrics.get("uplink_messages_rejected_total", { reason: "internal-error" })).toBe(1);
  });
});
