import { BOUNDS, MAX_PAYLOAD_BYTES, type EventMessage, type HealthMessage } from "@uplink/shared";
import { RECENT_EVENTS } from "../state/reducer.ts";

/**
 * What one device's view (REST and SSE) may hold of what the device sent, whatever is in its
 * state: the wire bounds refuse a message over them, and these hold even for a state that never
 * went through them (one stored by an older server, a bug in the reducer). A view is then at most
 * one layer report, VIEW_EVENT_BYTES of events and a few KiB besides.
 */
export const VIEW_EVENT_BYTES = 64 * 1024;

// Sizes of the same objects are asked for at every update of every SSE client: measured once.
const sizes = new WeakMap<object, number>();
function sizeOf(value: object): number {
  let n = sizes.get(value);
  if (n === undefined) {
    n = Buffer.byteLength(JSON.stringify(value));
    sizes.set(value, n);
  }
  return n;
}

/** The newest events, at most RECENT_EVENTS of them and VIEW_EVENT_BYTES together. */
export function recentEventsWithin(events: readonly EventMessage[]): EventMessage[] {
  const out: EventMessage[] = [];
  let bytes = 0;
  for (const e of events.slice(0, RECENT_EVENTS)) {
    bytes += sizeOf(e);
    if (bytes > VIEW_EVENT_BYTES) break;
    out.push(e);
  }
  return out;
}

/** The first `max` entries of a record keyed by link (links, root causes). */
export function firstEntries<T>(record: Record<string, T>, max?: number): Record<string, T>;
export function firstEntries<T>(record: Record<string, T> | null, max?: number): Record<string, T> | null;
export function firstEntries<T>(record: Record<string, T> | null, max: number = BOUNDS.links): Record<string, T> | null {
  if (!record) return record;
  const keys = Object.keys(record);
  return keys.length <= max ? record : Object.fromEntries(keys.slice(0, max).map((k) => [k, record[k]!]));
}

/** The layer report, unless it is larger than any message the device could have sent. */
export function healthWithin(health: HealthMessage | null): HealthMessage | null {
  return health && sizeOf(health) <= MAX_PAYLOAD_BYTES ? health : null;
}
