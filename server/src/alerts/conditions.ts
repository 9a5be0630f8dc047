import type { DeviceState } from "../state/types.ts";
import type { AlertRule, AlertRules } from "./alert.ts";

/** A condition that holds now on a device; `since` when the state itself says when it began. */
export interface Condition {
  key: string;
  rule: AlertRule;
  deviceId: string;
  subject: string | null;
  since: string | null;
  summary: string;
}

export function alertKey(rule: AlertRule, deviceId: string, subject: string | null): string {
  return subject === null ? `${rule}:${deviceId}` : `${rule}:${deviceId}:${subject}`;
}

function condition(rule: AlertRule, deviceId: string, subject: string | null, since: string | null, summary: string): Condition {
  return { key: alertKey(rule, deviceId, subject), rule, deviceId, subject, since, summary };
}

/**
 * Pure: the conditions that hold on a device now. An offline device reports nothing new, so
 * its other conditions are unknown, not over: `frozen` says to leave them as they were.
 */
export function conditionsOf(d: DeviceState, rules: AlertRules, dataUsedBytes: number | undefined): { conditions: Condition[]; frozen: boolean } {
  const out: Condition[] = [];
  // A device never heard from is not offline, only unknown.
  if (!d.online && d.lastSeenAt !== null) {
    if (rules.offlineAfterMs !== null) out.push(condition("device.offline", d.deviceId, null, d.lastSeenAt, `${d.deviceId} offline (${d.statusReason ?? "silent"})`));
    return { conditions: out, frozen: true };
  }
  if (rules.fallbackAfterMs !== null && d.health?.selection.onFallback) {
    out.push(condition("link.fallback", d.deviceId, null, null, `${d.deviceId} on fallback via ${d.health.selection.active ?? "no link"}: ${d.health.selection.reason}`));
  }
  if (rules.layerFailingAfterMs !== null) {
    for (const [link, layer] of Object.entries(d.rootCause)) {
      if (layer !== null) out.push(condition("layer.failing", d.deviceId, `${link}/${layer}`, null, `${d.deviceId} ${link}: ${layer} failing`));
    }
  }
  if (rules.underVoltage && (d.system?.underVoltageNow || d.system?.underVoltageOccurred)) {
    out.push(condition("power.under-voltage", d.deviceId, null, null, `${d.deviceId} under-voltage ${d.system.underVoltageNow ? "now" : "since boot"}`));
  }
  if (rules.dataBudgetBytes !== null && dataUsedBytes !== undefined && dataUsedBytes > rules.dataBudgetBytes) {
    const mb = (n: number) => `${Math.round(n / 1e6)} MB`;
    out.push(condition("data.budget", d.deviceId, null, null, `${d.deviceId} used ${mb(dataUsedBytes)} of ${mb(rules.dataBudgetBytes)} this cycle`));
  }
  return { conditions: out, frozen: false };
}

/** How long a rule's condition must hold before it fires (null: the rule is off). */
export function holdMs(rule: AlertRule, rules: AlertRules): number | null {
  switch (rule) {
    case "device.offline":
      return rules.offlineAfterMs;
    case "link.fallback":
      return rules.fallbackAfterMs;
    case "layer.failing":
      return rules.layerFailingAfterMs;
    case "power.under-voltage":
      return rules.underVoltage ? 0 : null;
    case "data.budget":
      return rules.dataBudgetBytes === null ? null : 0;
  }
}
