import { z } from "zod";
import type { Store } from "../store/store.ts";
import { bytesPerLink } from "./data-used.ts";
import { faultStats, type FaultStats, type TimedEvent } from "./faults.ts";
import { availability, outages, segments, stretches, timePerLink, type Segment } from "./presence.ts";
import { readCounterSamples } from "./read-heartbeats.ts";

export const HISTORY_WINDOWS = { "24h": 24 * 3600_000, "7d": 7 * 24 * 3600_000, "30d": 30 * 24 * 3600_000 } as const;
export const historyWindowSchema = z.enum(["24h", "7d", "30d"]);
export type HistoryWindow = z.infer<typeof historyWindowSchema>;

function readEvents(store: Store, deviceId: string, fromMs: number, untilMs: number): TimedEvent[] {
  const out: TimedEvent[] = [];
  let cursor: string | null = null;
  do {
    const page = store.listEvents({ deviceId, sinceMs: fromMs, untilMs, limit: 1000, cursor });
    for (const e of page.items) out.push({ atMs: Date.parse(e.receivedAt), event: e.message });
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

function readSegments(store: Store, deviceId: string, fromMs: number, untilMs: number): Segment[] {
  const { before, rows } = store.listPresence(deviceId, fromMs, untilMs);
  return segments(before, rows, fromMs, untilMs);
}

/** One device over a window: what the store holds, through the pure computations of this folder. */
export function deviceHistory(store: Store, deviceId: string, window: HistoryWindow, nowMs: number) {
  const fromMs = nowMs - HISTORY_WINDOWS[window];
  const segs = readSegments(store, deviceId, fromMs, nowMs);
  return {
    deviceId,
    window,
    from: new Date(fromMs).toISOString(),
    until: new Date(nowMs).toISOString(),
    availability: availability(segs),
    linkTimeS: timePerLink(segs),
    outages: outages(segs, nowMs),
    stretches: stretches(segs),
    dataBytes: bytesPerLink(readCounterSamples(store, deviceId, fromMs, nowMs), fromMs, nowMs),
    faults: faultStats(readEvents(store, deviceId, fromMs, nowMs)),
  };
}

/**
 * The fleet over a window. Data used is per device only: it reads every heartbeat in the window,
 * too much for a whole fleet at once.
 */
export function fleetHistory(store: Store, deviceIds: readonly string[], window: HistoryWindow, nowMs: number) {
  const fromMs = nowMs - HISTORY_WINDOWS[window];
  const all: Segment[] = [];
  const events: TimedEvent[] = [];
  let outageCount = 0;
  const perDevice: Array<{ deviceId: string; availability: number | null; outages: number }> = [];
  for (const id of deviceIds) {
    const segs = readSegments(store, id, fromMs, nowMs);
    const o = outages(segs, nowMs).length;
    outageCount += o;
    all.push(...segs);
    events.push(...readEvents(store, id, fromMs, nowMs));
    perDevice.push({ deviceId: id, availability: availability(segs).ratio, outages: o });
  }
  const faults: FaultStats[] = faultStats(events);
  return {
    window,
    from: new Date(fromMs).toISOString(),
    until: new Date(nowMs).toISOString(),
    devices: deviceIds.length,
    availability: availability(all),
    linkTimeS: timePerLink(all),
    outages: outageCount,
    faults,
    perDevice,
  };
}
