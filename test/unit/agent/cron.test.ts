import { afterEach, describe, expect, it, vi } from "vitest";
import { checkConfig } from "../../../agent/src/config/load.ts";
import { cronError, parseCron, scheduleCron } from "../../../agent/src/runtime/cron.ts";

const at = (s: string) => new Date(s);
const next = (expr: string, from: string) => parseCron(expr).next(at(from))?.toString();

describe("the diagnosis schedule's cron expressions (local time)", () => {
  it("runs the default at second 0 of every minute", () => {
    expect(next("0 * * * * *", "2026-03-01T10:15:30")).toBe(at("2026-03-01T10:16:00").toString());
    expect(next("0 * * * * *", "2026-03-01T10:16:00")).toBe(at("2026-03-01T10:17:00").toString());
  });

  it("takes steps, ranges, lists and names, with five fields or six", () => {
    expect(next("*/2 * * * * *", "2026-03-01T10:15:30.500")).toBe(at("2026-03-01T10:15:32").toString());
    expect(next("*/15 * * * *", "2026-03-01T10:16:00")).toBe(at("2026-03-01T10:30:00").toString());
    expect(next("0 30 9-17/4 * * *", "2026-03-01T10:00:00")).toBe(at("2026-03-01T13:30:00").toString());
    expect(next("0 0 1,15 * *", "2026-03-02T00:00:00")).toBe(at("2026-03-15T00:00:00").toString());
    // 2026-03-06 is a Friday; the next Monday is the 9th.
    expect(next("0 6 * * mon", "2026-03-06T07:00:00")).toBe(at("2026-03-09T06:00:00").toString());
    expect(next("0 0 * * 7", "2026-03-06T07:00:00")).toBe(at("2026-03-08T00:00:00").toString());
    expect(next("0 0 1 feb *", "2026-03-06T07:00:00")).toBe(at("2027-02-01T00:00:00").toString());
  });

  it("says which field is wrong, and the config refuses it", () => {
    expect(cronError("* * *")).toMatch(/5 or 6 fields, not 3/);
    expect(cronError("0 61 * * * *")).toMatch(/minute 61 is outside 0-59/);
    expect(cronError("0 * * * * frid")).toMatch(/"frid" is not a day of week/);
    expect(cronError("*/0 * * * * *")).toMatch(/not a step/);
    expect(cronError("0 0 L * *")).toMatch(/not a day of month/);
    const check = checkConfig({ deviceId: "pi-1", broker: { url: "mqtt://b:1883", username: "u", password: "p" }, dataDir: "/tmp/x", intervals: { diagnoseCron: "0 99 * * * *" } });
    expect(check.ok).toBe(false);
    expect(JSON.stringify(check)).toMatch(/intervals.diagnoseCron.*minute 99/);
  });

  describe("scheduling", () => {
    afterEach(() => vi.useRealTimers());
    it("fires at each match, once, until stopped", () => {
      vi.useFakeTimers({ now: at("2026-03-01T10:15:30.250") });
      const fired: string[] = [];
      const task = scheduleCron("*/10 * * * * *", () => fired.push(new Date().toISOString()));
      vi.advanceTimersByTime(35_000);
      expect(fired.map((t) => new Date(t).getSeconds())).toEqual([40, 50, 0]);
      task.stop();
      vi.advanceTimersByTime(60_000);
      expect(fired).toHaveLength(3);
    });
  });
});
