import { describe, expect, it } from "vitest";
import { alertOptions } from "../../../server/src/main.ts";

describe("uplink-server alert settings", () => {
  it("reads the webhook and the offline rule from the environment", () => {
    expect(alertOptions({}, { UPLINK_ALERT_WEBHOOK: "https://hooks.example/a", UPLINK_ALERT_OFFLINE_AFTER_S: "120" })).toMatchObject({
      webhookUrl: "https://hooks.example/a",
      offlineAfterMs: 120_000,
    });
  });

  it("keeps the default when unset, takes a flag over the environment, and turns a rule off with 0", () => {
    expect(alertOptions({}, {}).offlineAfterMs).toBeUndefined();
    expect(alertOptions({ "alert-offline-after-s": "60" }, { UPLINK_ALERT_OFFLINE_AFTER_S: "120" }).offlineAfterMs).toBe(60_000);
    expect(alertOptions({ "alert-fallback-after-s": "0", "alert-data-budget-mb": "500" }, {})).toMatchObject({ fallbackAfterMs: null, dataBudgetBytes: 500e6 });
  });

  it("refuses what it cannot use", () => {
    expect(() => alertOptions({ "alert-webhook": "hooks.example" }, {})).toThrow(/not an http/);
    expect(() => alertOptions({ "alert-offline-after-s": "soon" }, {})).toThrow(/not a number/);
    expect(() => alertOptions({ "alert-webhook-format": "teams" }, {})).toThrow(/json or slack/);
    expect(() => alertOptions({ "alert-billing-day": "31" }, {})).toThrow(/1 to 28/);
  });
});
