import { MAX_PAYLOAD_BYTES, type EventMessage } from "@uplink/shared";
import { describe, expect, it } from "vitest";
import { deviceView } from "../../../server/src/api/views.ts";
import { pageWithin, PAGE_BYTES } from "../../../server/src/api/page-budget.ts";
import { VIEW_EVENT_BYTES } from "../../../server/src/api/view-bounds.ts";
import { reduceDevice, RECENT_EVENTS } from "../../../server/src/state/reducer.ts";
import type { DeviceState } from "../../../server/src/state/types.ts";
import { eventMessage, healthMessage, heartbeatMessage } from "./messages.ts";

/** A device view may hold one layer report, the recent events' budget and a few KiB besides. */
const DEVICE_VIEW_BOUND = MAX_PAYLOAD_BYTES + VIEW_EVENT_BYTES + 16 * 1024;
const at = "2026-01-01T00:00:00.000Z";
const names = (n: number) => Array.from({ length: n }, (_, i) => i.toString(36));

/** The 29,000-links attack as a state, as if the schema had not refused it (an older server stored it). */
function attackedDevice(): DeviceState {
  let d: DeviceState | undefined;
  for (let seq = 1; seq <= 25; seq++) {
    const started = { ...eventMessage("pi-1", seq), type: "agent.started", agentVersion: "0.1.0", links: names(29_000) } as unknown as EventMessage;
    d = reduceDevice(d, { kind: "event", receivedAt: at, message: started });
  }
  const hb = { ...heartbeatMessage("pi-1", 30), links: Object.fromEntries(names(29_000).map((l) => [l, { up: true }])) };
  d = reduceDevice(d, { kind: "heartbeat", receivedAt: at, message: hb });
  const health = healthMessage("pi-1", 31);
  health.links = Object.fromEntries(names(29_000).map((l) => [l, health.links.wlan0!]));
  return reduceDevice(d, { kind: "health", receivedAt: at, message: health });
}

describe("a device's view", () => {
  it("stays under its bound whatever the device's state holds", () => {
    const d = attackedDevice();
    expect(Buffer.byteLength(JSON.stringify(d))).toBeGreaterThan(5_000_000);
    const size = Buffer.byteLength(JSON.stringify(deviceView(d)));
    expect(size).toBeLessThan(DEVICE_VIEW_BOUND);
  });

  it("shows the newest events, up to RECENT_EVENTS and VIEW_EVENT_BYTES of them", () => {
    let d: DeviceState | undefined;
    for (let seq = 1; seq <= 40; seq++) d = reduceDevice(d, { kind: "event", receivedAt: at, message: eventMessage("pi-1", seq) });
    const view = deviceView(d!);
    expect(view.recentEvents).toHaveLength(RECENT_EVENTS);
    expect(view.recentEvents[0]!.seq).toBe(40);
  });

  it("shows a device's ordinary state unchanged", () => {
    let d = reduceDevice(undefined, { kind: "heartbeat", receivedAt: at, message: heartbeatMessage("pi-1", 2) });
    d = reduceDevice(d, { kind: "health", receivedAt: at, message: healthMessage("pi-1", 3) });
    d = reduceDevice(d, { kind: "event", receivedAt: at, message: eventMessage("pi-1", 4) });
    const view = deviceView(d);
    expect(view.links).toBe(d.links);
    expect(view.health).toBe(d.health);
    expect(view.rootCause).toBe(d.rootCause);
    expect(view.recentEvents).toEqual(d.recentEvents);
  });
});

describe("a page of a list", () => {
  const rows = Array.from({ length: 100 }, (_, i) => ({ i, blob: "x".repeat(100_000) }));
  const fetch = (limit: number) => ({ items: rows.slice(0, limit), nextCursor: limit < rows.length ? `after-${limit - 1}` : null });

  it("holds as many items as fit in PAGE_BYTES, with the cursor right after the last", () => {
    const page = pageWithin(fetch, 100);
    expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(PAGE_BYTES + 1024);
    expect(page.items.length).toBeGreaterThan(30);
    expect(page.nextCursor).toBe(`after-${page.items.length - 1}`);
  });

  it("is the store's own page when it fits", () => {
    expect(pageWithin(fetch, 10)).toEqual(fetch(10));
  });

  it("holds at least one item, however large", () => {
    expect(pageWithin(fetch, 5, 10).items).toHaveLength(1);
  });
});
