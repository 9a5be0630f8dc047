import { PROTOCOL_VERSION, type EventMessage } from "@uplink/shared";
import { describe, expect, it } from "vitest";
import { faultStats, quantile } from "../../../server/src/history/faults.ts";
import { availability, outages, presenceChange, segments, stretches, timePerLink, type PresenceRow } from "../../../server/src/history/presence.ts";
import { newDevice } from "../../../server/src/state/reducer.ts";

const H = 3600_000;
const row = (h: number, online: boolean, link: string | null = null, cause: string | null = null): PresenceRow => ({ atMs: h * H, online, link, cause });

describe("availability, time per link and outages from presence changes", () => {
  // A 24 h window [0, 24 h): online on wlan0 until 6 h, offline (wwan0/session) 6-8 h, on wwan0
  // 8-10 h, back on wlan0 10-23 h, offline from 23 h to the end.
  const rows = [row(6, false, null, "wwan0/session"), row(8, true, "wwan0"), row(10, true, "wlan0"), row(23, false, null, "no heartbeat")];
  const segs = segments(row(-5, true, "wlan0"), rows, 0, 24 * H);

  it("counts the time online against the window", () => {
    // Online 6 + 2 + 13 = 21 h of 24.
    expect(availability(segs)).toEqual({ onlineS: 21 * 3600, expectedS: 24 * 3600, ratio: 21 / 24 });
  });

  it("splits the time by link", () => {
    expect(timePerLink(segs)).toEqual({ wlan0: 19 * 3600, wwan0: 2 * 3600, offline: 3 * 3600 });
  });

  it("lists outages with start, end, duration and cause; the last still open", () => {
    expect(outages(segs, 24 * H)).toEqual([
      { start: new Date(6 * H).toISOString(), end: new Date(8 * H).toISOString(), durationS: 7200, rootCause: "wwan0/session" },
      { start: new Date(23 * H).toISOString(), end: null, durationS: 3600, rootCause: "no heartbeat" },
    ]);
  });

  it("cuts the window into stretches per link and offline for the dashboard's strip, equal neighbours merged", () => {
    const iso = (h: number) => new Date(h * H).toISOString();
    expect(stretches(segs)).toEqual([
      { start: iso(0), end: iso(6), state: "wlan0" },
      { start: iso(6), end: iso(8), state: "offline" },
      { start: iso(8), end: iso(10), state: "wwan0" },
      { start: iso(10), end: iso(23), state: "wlan0" },
      { start: iso(23), end: iso(24), state: "offline" },
    ]);
    // Two offline rows in a row (a cause that changed while offline) make one stretch.
    const twice = segments(row(-1, true, "wlan0"), [row(2, false, null, "a"), row(3, false, null, "b"), row(4, true, null)], 0, 6 * H);
    expect(stretches(twice)).toEqual([
      { start: iso(0), end: iso(2), state: "wlan0" },
      { start: iso(2), end: iso(4), state: "offline" },
      { start: iso(4), end: iso(6), state: "unknown" },
    ]);
  });

  it("does not expect a device online before it was first seen", () => {
    // First seen at 12 h, online since: 12 h expected, 12 h online.
    expect(availability(segments(null, [row(12, true, "wlan0")], 0, 24 * H))).toEqual({ onlineS: 12 * 3600, expectedS: 12 * 3600, ratio: 1 });
    expect(availability(segments(null, [], 0, 24 * H)).ratio).toBeNull();
  });

  it("writes a row only when the online state or link changes, timed at the device's last message", () => {
    const seen = new Date(5 * H).toISOString();
    const up = { ...newDevice("pi-1"), online: true, activeLink: "wlan0", lastSeenAt: seen };
    expect(presenceChange(undefined, up, 9 * H)).toEqual({ atMs: 5 * H, online: true, link: "wlan0", cause: null });
    expect(presenceChange({ online: true, link: "wlan0" }, up, 9 * H)).toBeNull();
    const silent = { ...up, online: false, statusReason: "no heartbeat", rootCause: { wlan0: null, wwan0: "session" as const } };
    expect(presenceChange({ online: true, link: "wlan0" }, silent, 9 * H)).toEqual({ atMs: 5 * H, online: false, link: null, cause: "wwan0/session" });
    expect(presenceChange(undefined, { ...newDevice("pi-2") }, 9 * H)).toBeNull();
  });
});

describe("faults: how often, what fixed them, how fast", () => {
  const env = (seq: number) => ({ v: PROTOCOL_VERSION as 1, deviceId: "pi-1", bootId: "boot-aaaa-0001", seq, ts: new Date(0).toISOString() });
  const failing = (s: number, link: string, cause: string): [number, EventMessage] => [s, { ...env(s), type: "layer.changed", link, layer: "session", from: "ok", to: "failing", cause }];
  const ok = (s: number, link: string): [number, EventMessage] => [s, { ...env(s), type: "layer.changed", link, layer: "session", from: "failing", to: "ok" }];
  const fixed = (s: number, link: string, name: string): [number, EventMessage] => [
    s,
    { ...env(s), type: "remediation.succeeded", cause: "x", link, command: { name, args: {} }, attempt: 1 },
  ];

  it("counts each cause, the remediation that succeeded last before recovery, and median and p90 of recovery", () => {
    const timeline = [
      failing(0, "wwan0", "sim-absent"), fixed(50, "wwan0", "qmi.restart"), ok(60, "wwan0"), // 60 s, qmi.restart
      failing(100, "wwan0", "sim-absent"), ok(130, "wwan0"), // 30 s, on its own
      failing(200, "wwan0", "sim-absent"), fixed(210, "wwan0", "dhcp.renew"), fixed(290, "wwan0", "qmi.restart"), ok(300, "wwan0"), // 100 s
      failing(400, "wlan0", "not-associated"), // still open
    ].map(([s, event]) => ({ atMs: s * 1000, event }));
    expect(faultStats(timeline)).toEqual([
      { cause: "sim-absent", count: 3, fixedBy: { "qmi.restart": 2, none: 1 }, recovered: 3, recoveryS: { median: 60, p90: 100 } },
      { cause: "not-associated", count: 1, fixedBy: {}, recovered: 0, recoveryS: { median: null, p90: null } },
    ]);
  });

  it("takes quantiles by nearest rank", () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([quantile(ten, 0.5), quantile(ten, 0.9), quantile([], 0.5)]).toEqual([5, 9, null]);
  });
});
