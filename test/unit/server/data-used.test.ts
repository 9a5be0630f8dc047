import { describe, expect, it } from "vitest";
import { bytesPerLink, cycleStartMs, isMetered } from "../../../server/src/history/data-used.ts";

const s = (atMs: number, rx: number, tx: number, link = "wwan0") => ({ atMs, links: { [link]: { rxBytes: rx, txBytes: tx } } });

describe("data used per link from cumulative counters", () => {
  it("adds the increases between samples", () => {
    // 100 -> 250 -> 400 rx, 10 -> 30 -> 70 tx: 300 and 60.
    expect(bytesPerLink([s(1, 100, 10), s(2, 250, 30), s(3, 400, 70)], 0, 10)).toEqual({ wwan0: { rxBytes: 300, txBytes: 60 } });
  });

  it("counts from zero after a counter reset (a reboot, the interface made anew)", () => {
    // 1000 -> 1500 (+500), reset to 200 (+200), 700 (+500): 1200.
    expect(bytesPerLink([s(1, 1000, 0), s(2, 1500, 0), s(3, 200, 0), s(4, 700, 0)], 0, 10).wwan0!.rxBytes).toBe(1200);
  });

  it("counts only the intervals ending inside the window, from the sample before it", () => {
    // Window (2, 3]: only 250 -> 400.
    expect(bytesPerLink([s(3, 400, 0), s(1, 100, 0), s(2, 250, 0), s(4, 900, 0)], 2, 3).wwan0!.rxBytes).toBe(150);
  });

  it("adds up the same over downsampled history (cumulative counters)", () => {
    const full = [0, 1, 2, 3, 4, 5, 6].map((i) => s(i, i * 100, 0));
    const downsampled = [full[0]!, full[3]!, full[6]!];
    expect(bytesPerLink(downsampled, -1, 10)).toEqual(bytesPerLink(full, -1, 10));
  });

  it("starts a billing cycle on its day, or the month before", () => {
    expect(new Date(cycleStartMs(Date.UTC(2025, 2, 20), 15)).toISOString()).toBe("2025-03-15T00:00:00.000Z");
    expect(new Date(cycleStartMs(Date.UTC(2025, 2, 10), 15)).toISOString()).toBe("2025-02-15T00:00:00.000Z");
    expect(new Date(cycleStartMs(Date.UTC(2025, 0, 10), 15)).toISOString()).toBe("2024-12-15T00:00:00.000Z");
  });

  it("meters cellular links", () => {
    expect([isMetered("wwan0", "cellular"), isMetered("wlan0", "wifi"), isMetered("wwan0", undefined), isMetered("eth0", undefined)]).toEqual([true, false, true, false]);
  });
});
