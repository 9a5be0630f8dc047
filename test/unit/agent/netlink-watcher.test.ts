import pino from "pino";
import { describe, expect, it } from "vitest";
import type { Host } from "../../../agent/src/host/host.ts";
import type { Clock } from "../../../agent/src/runtime/clock.ts";
import { NetlinkWatcher } from "../../../agent/src/runtime/netlink-watcher.ts";

/** A clock whose timers run only when the test advances it. */
function manualClock() {
  let now = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout(fn, ms) {
      timers.set(next, { at: now + ms, fn });
      return next++;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
  };
  function advance(ms: number) {
    now += ms;
    for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= now) {
        timers.delete(id);
        t.fn();
      }
    }
  }
  return { clock, advance };
}

/** A host whose `ip monitor` is driven by the test: emit lines, or end it. */
function monitorHost() {
  const runs: { emit(line: string): void; exit(code: number | null): void; stopped: boolean }[] = [];
  const host = {
    watchLines(_file: string, _args: readonly string[], onLine: (l: string) => void, onExit: (c: number | null) => void) {
      const run = { emit: onLine, exit: onExit, stopped: false };
      runs.push(run);
      return { stop: () => (run.stopped = true) };
    },
  } as unknown as Host;
  return { host, runs };
}

describe("the netlink watcher", () => {
  it("assesses a burst of netlink lines once, after the debounce", () => {
    const { clock, advance } = manualClock();
    const { host, runs } = monitorHost();
    const changes: string[] = [];
    const w = new NetlinkWatcher({ host, clock, log: pino({ level: "silent" }), debounceMs: 500, onChange: (l) => changes.push(l) });
    w.start();
    runs[0]!.emit("3: wwan0: <BROADCAST,MULTICAST> mtu 1500 state DOWN");
    runs[0]!.emit("Deleted default via 100.67.169.177 dev wwan0 metric 700");
    advance(499);
    expect(changes).toEqual([]);
    advance(1);
    expect(changes).toEqual(["3: wwan0: <BROADCAST,MULTICAST> mtu 1500 state DOWN"]);
  });

  it("restarts ip monitor when it dies, backing off while it keeps dying at once", () => {
    const { clock, advance } = manualClock();
    const { host, runs } = monitorHost();
    const w = new NetlinkWatcher({ host, clock, log: pino({ level: "silent" }), debounceMs: 500, onChange: () => {} });
    w.start();
    runs[0]!.exit(1);
    advance(1_999);
    expect(runs).toHaveLength(1);
    advance(1);
    expect(runs).toHaveLength(2);
    runs[1]!.exit(1);
    advance(3_999);
    expect(runs).toHaveLength(2);
    advance(1);
    expect(runs).toHaveLength(3);
    expect(w.restarts).toBe(2);
  });

  it("restarts quickly after a monitor that ran for a while", () => {
    const { clock, advance } = manualClock();
    const { host, runs } = monitorHost();
    const w = new NetlinkWatcher({ host, clock, log: pino({ level: "silent" }), debounceMs: 500, onChange: () => {} });
    w.start();
    advance(120_000);
    runs[0]!.exit(null);
    advance(1_000);
    expect(runs).toHaveLength(2);
  });

  it("stops the monitor and restarts nothing once stopped", () => {
    const { clock, advance } = manualClock();
    const { host, runs } = monitorHost();
    const w = new NetlinkWatcher({ host, clock, log: pino({ level: "silent" }), debounceMs: 500, onChange: () => {} });
    w.start();
    w.stop();
    expect(runs[0]!.stopped).toBe(true);
    runs[0]!.exit(0);
    advance(120_000);
    expect(runs).toHaveLength(1);
  });
});
