import { describe, expect, it } from "vitest";
import { DEFAULT_ALERT_RULES, type AlertRules } from "../../../server/src/alerts/alert.ts";
import { bookFrom, emptyBook, evaluateAlerts, type AlertBook } from "../../../server/src/alerts/evaluate.ts";
import { backoffMs, webhookBody } from "../../../server/src/alerts/webhook-body.ts";
import { newDevice, rootCauses } from "../../../server/src/state/reducer.ts";
import type { DeviceState } from "../../../server/src/state/types.ts";
import { healthMessage } from "./messages.ts";

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const rules: AlertRules = { ...DEFAULT_ALERT_RULES, offlineAfterMs: 300_000, fallbackAfterMs: 600_000, layerFailingAfterMs: 600_000 };

const online = (id = "pi-1", extra: Partial<DeviceState> = {}): DeviceState => ({ ...newDevice(id), online: true, status: "online", lastSeenAt: at(0), ...extra });
const offline = (lastSeenS: number, id = "pi-1"): DeviceState => ({ ...newDevice(id), online: false, status: "offline", statusReason: "no heartbeat", lastSeenAt: at(lastSeenS) });

/** Runs the evaluator over a timeline of (seconds, fleet) and collects every transition. */
function run(steps: Array<[number, DeviceState[]]>, r = rules, start: AlertBook = emptyBook(), dataUsed: Record<string, number> = {}) {
  let book = start;
  const all = [];
  for (const [s, devices] of steps) {
    const next = evaluateAlerts(book, devices, dataUsed, T0 + s * 1000, r);
    book = next.book;
    all.push(...next.transitions);
  }
  return { book, transitions: all };
}

describe("alert rules", () => {
  it("fires an offline device once after the threshold and resolves it once when it is back", () => {
    const { transitions } = run([
      [0, [online()]],
      [200, [offline(10)]], // silent since 10 s: 190 s, not yet
      [320, [offline(10)]], // 310 s: fires
      [400, [offline(10)]],
      [500, [online("pi-1", { lastSeenAt: at(500) })]],
      [600, [online("pi-1", { lastSeenAt: at(600) })]],
    ]);
    expect(transitions.map((a) => [a.rule, a.state, a.since, a.firedAt, a.resolvedAt])).toEqual([
      ["device.offline", "firing", at(10), at(320), null],
      ["device.offline", "resolved", at(10), at(320), at(500)],
    ]);
    expect(transitions[0]!.id).toBe(transitions[1]!.id);
  });

  it("does not page for an offline blip shorter than the threshold", () => {
    const { transitions } = run([
      [0, [offline(0)]],
      [100, [online("pi-1", { lastSeenAt: at(100) })]],
    ]);
    expect(transitions).toEqual([]);
  });

  it("fires a root cause held past its time per link and layer, since it was first seen", () => {
    const failing = online("pi-1", { rootCause: { wlan0: null, wwan0: "session", host: null } });
    const { transitions } = run([
      [0, [failing]],
      [599, [failing]],
      [600, [failing]],
      [700, [online("pi-1", { rootCause: { wlan0: null, wwan0: null, host: null } })]],
    ]);
    expect(transitions.map((a) => [a.rule, a.subject, a.state, a.since])).toEqual([
      ["layer.failing", "wwan0/session", "firing", at(0)],
      ["layer.failing", "wwan0/session", "resolved", at(0)],
    ]);
  });

  it("leaves a device's other alerts as they are while it is offline: nothing is known of them", () => {
    const h = healthMessage("pi-1", 1, "session");
    const failing = online("pi-1", { health: h, rootCause: rootCauses(h) });
    const { transitions, book } = run(
      [
        [0, [failing]],
        [700, [failing]],
        [800, [offline(700)]],
        [2000, [offline(700)]],
      ],
      { ...rules, offlineAfterMs: 600_000 },
    );
    expect(transitions.map((a) => [a.rule, a.state])).toEqual([
      ["layer.failing", "firing"],
      ["device.offline", "firing"],
    ]);
    expect(Object.keys(book.firing).sort()).toEqual(["device.offline:pi-1", "layer.failing:pi-1:wwan0/session"]);
  });

  it("fires on fallback past its time and under-voltage at once", () => {
    const h = healthMessage("pi-1", 1, null);
    const onFallback = online("pi-1", {
      health: { ...h, selection: { ...h.selection, active: "wwan0", onFallback: true } },
      system: { underVoltageOccurred: true },
    });
    const { transitions } = run([
      [0, [onFallback]],
      [601, [onFallback]],
    ]);
    expect(transitions.map((a) => [a.rule, a.firedAt])).toEqual([
      ["power.under-voltage", at(0)],
      ["link.fallback", at(601)],
    ]);
  });

  it("fires the data budget when the cycle's bytes pass it", () => {
    const r = { ...rules, dataBudgetBytes: 1_000_000 };
    expect(run([[0, [online()]]], r, emptyBook(), { "pi-1": 999_999 }).transitions).toEqual([]);
    expect(run([[0, [online()]]], r, emptyBook(), { "pi-1": 1_000_001 }).transitions.map((a) => a.rule)).toEqual(["data.budget"]);
  });

  it("neither repeats nor forgets a firing alert after a restart", () => {
    const first = run([[400, [offline(0)]]]);
    expect(first.transitions).toHaveLength(1);
    const resumed = bookFrom(Object.values(first.book.firing));
    const again = run(
      [
        [500, [offline(0)]],
        [600, [online("pi-1", { lastSeenAt: at(600) })]],
      ],
      rules,
      resumed,
    );
    expect(again.transitions.map((a) => a.state)).toEqual(["resolved"]);
  });

  it("turns a rule off with null", () => {
    expect(run([[1000, [offline(0)]]], { ...rules, offlineAfterMs: null }).transitions).toEqual([]);
  });
});

describe("alert webhook bodies and retries", () => {
  const alert = run([[400, [offline(0)]]]).transitions[0]!;

  it("posts the alert as JSON with rule, deviceId, state and since", () => {
    expect(webhookBody(alert, "json")).toMatchObject({ rule: "device.offline", deviceId: "pi-1", state: "firing", since: at(0) });
  });

  it("posts a Slack-compatible text when asked", () => {
    expect(webhookBody(alert, "slack")).toEqual({ text: expect.stringContaining("[firing] device.offline: pi-1 offline") });
  });

  it("backs off doubling up to a cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 1000, 10_000))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
});
