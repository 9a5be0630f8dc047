import { describe, expect, it } from "vitest";
import type { Host, RunResult } from "../../../agent/src/host/host.ts";
import type { Clock } from "../../../agent/src/runtime/clock.ts";
import { notifySettings, startWatchdog } from "../../../agent/src/runtime/sd-notify.ts";

/** A clock whose timers run only when the test says so. */
function manualClock() {
  let pending: Array<{ fn: () => void; ms: number }> = [];
  const clock: Clock = {
    now: () => 0,
    setTimeout: (fn, ms) => {
      const t = { fn, ms };
      pending.push(t);
      return t;
    },
    clearTimeout: (h) => {
      pending = pending.filter((t) => t !== h);
    },
  };
  return {
    clock,
    delays: () => pending.map((t) => t.ms),
    fire() {
      const due = pending;
      pending = [];
      for (const t of due) t.fn();
    },
  };
}

function recordingHost(result: RunResult = { exitCode: 0, stdout: "", stderr: "" }) {
  const calls: Array<{ file: string; args: readonly string[] }> = [];
  const host = {
    run: async (file: string, args: readonly string[]) => {
      calls.push({ file, args });
      return result;
    },
  } as unknown as Host;
  return { host, calls };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("notifySettings", () => {
  it.each([
    ["not under systemd", {}, null],
    ["under systemd without a watchdog", { NOTIFY_SOCKET: "/run/systemd/notify" }, { socket: "/run/systemd/notify", pingEveryMs: null }],
    [
      "WatchdogSec=60 (pings every 30 s)",
      { NOTIFY_SOCKET: "/run/systemd/notify", WATCHDOG_USEC: "60000000", WATCHDOG_PID: "42" },
      { socket: "/run/systemd/notify", pingEveryMs: 30_000 },
    ],
    [
      "a watchdog meant for another process",
      { NOTIFY_SOCKET: "/run/systemd/notify", WATCHDOG_USEC: "60000000", WATCHDOG_PID: "7" },
      { socket: "/run/systemd/notify", pingEveryMs: null },
    ],
    ["a WATCHDOG_USEC that is not a number", { NOTIFY_SOCKET: "@notify", WATCHDOG_USEC: "soon" }, { socket: "@notify", pingEveryMs: null }],
  ])("reads %s", (_name, env, expected) => {
    expect(notifySettings(env, 42)).toEqual(expected);
  });
});

describe("startWatchdog", () => {
  it("pings at once and then every half WATCHDOG_USEC through systemd-notify with our pid", async () => {
    const { host, calls } = recordingHost();
    const t = manualClock();
    const w = startWatchdog({ env: { NOTIFY_SOCKET: "/run/systemd/notify", WATCHDOG_USEC: "60000000" }, pid: 42, host, clock: t.clock, log: { warn() {} } });
    await settle();
    expect(calls).toEqual([{ file: "systemd-notify", args: ["--pid=42", "WATCHDOG=1"] }]);
    expect(t.delays()).toEqual([30_000]);
    t.fire();
    await settle();
    expect(calls).toHaveLength(2);
    w.stop();
    expect(t.delays()).toEqual([]);
  });

  it("does nothing outside systemd", async () => {
    const { host, calls } = recordingHost();
    const t = manualClock();
    startWatchdog({ env: {}, pid: 42, host, clock: t.clock, log: { warn() {} } });
    await settle();
    expect(calls).toEqual([]);
    expect(t.delays()).toEqual([]);
  });

  it("warns once when systemd-notify is missing, and keeps trying", async () => {
    const { host, calls } = recordingHost({ exitCode: -1, stdout: "", stderr: "spawn systemd-notify ENOENT", missing: true });
    const t = manualClock();
    const warnings: object[] = [];
    startWatchdog({
      env: { NOTIFY_SOCKET: "/run/systemd/notify", WATCHDOG_USEC: "2000000" },
      pid: 42,
      host,
      clock: t.clock,
      log: { warn: (obj) => warnings.push(obj) },
    });
    await settle();
    t.fire();
    await settle();
    expect(calls).toHaveLength(2);
    expect(warnings).toEqual([expect.objectContaining({ event: "watchdog.ping-failed", missing: true })]);
  });
});
