import type { Store } from "../store/store.ts";
import type { CounterSample } from "./data-used.ts";

/**
 * The counter samples of a device's heartbeats in [sinceMs, untilMs], and the last one before
 * `sinceMs` as the baseline of the first interval. Pages through the store (newest first).
 */
export function readCounterSamples(store: Store, deviceId: string, sinceMs: number, untilMs: number): CounterSample[] {
  const out: CounterSample[] = [];
  let cursor: string | null = null;
  do {
    const page = store.listHeartbeats({ deviceId, sinceMs, untilMs, limit: 1000, cursor });
    for (const h of page.items) out.push({ atMs: Date.parse(h.receivedAt), links: h.message.links });
    cursor = page.nextCursor;
  } while (cursor);
  const before = store.listHeartbeats({ deviceId, untilMs: sinceMs - 1, limit: 1 }).items[0];
  if (before) out.push({ atMs: Date.parse(before.receivedAt), links: before.message.links });
  return out;
}
