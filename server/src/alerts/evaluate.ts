import type { DeviceState } from "../state/types.ts";
import type { Alert, AlertRules } from "./alert.ts";
import { conditionsOf, holdMs, type Condition } from "./conditions.ts";

/**
 * What the evaluator remembers between two evaluations: since when each condition has held, and
 * the alerts firing now. Everything else comes from the fleet state and the clock.
 */
export interface AlertBook {
  holding: Record<string, { deviceId: string; since: string }>;
  firing: Record<string, Alert>;
}

export function emptyBook(): AlertBook {
  return { holding: {}, firing: {} };
}

/** After a restart: the stored firing alerts, so that none fires twice or is forgotten unresolved. */
export function bookFrom(firing: readonly Alert[]): AlertBook {
  const book = emptyBook();
  for (const a of firing) {
    book.firing[a.key] = a;
    book.holding[a.key] = { deviceId: a.deviceId, since: a.since };
  }
  return book;
}

function fire(c: Condition, since: string, now: string): Alert {
  return { id: `${c.key}@${since}`, key: c.key, rule: c.rule, deviceId: c.deviceId, subject: c.subject, state: "firing", since, firedAt: now, resolvedAt: null, summary: c.summary };
}

/**
 * Pure: the book after looking at the fleet at `nowMs`, and the alerts that fired or resolved.
 * A condition fires once when it has held for its rule's time, and resolves once when it no
 * longer holds; while a device is offline its other alerts stay as they are (nothing is known).
 */
export function evaluateAlerts(
  book: AlertBook,
  devices: readonly DeviceState[],
  dataUsedBytes: Readonly<Record<string, number>>,
  nowMs: number,
  rules: AlertRules,
): { book: AlertBook; transitions: Alert[] } {
  const now = new Date(nowMs).toISOString();
  const holding: AlertBook["holding"] = {};
  const firing: AlertBook["firing"] = { ...book.firing };
  const transitions: Alert[] = [];
  const firingByDevice = new Map<string, Alert[]>();
  for (const a of Object.values(book.firing)) firingByDevice.set(a.deviceId, [...(firingByDevice.get(a.deviceId) ?? []), a]);
  const seen = new Set<string>();

  for (const d of devices) {
    seen.add(d.deviceId);
    const { conditions, frozen } = conditionsOf(d, rules, dataUsedBytes[d.deviceId]);
    const current = new Set<string>();
    for (const c of conditions) {
      current.add(c.key);
      // The state's own time (offline: the last message) wins over when this evaluator first saw it.
      const since = c.since ?? book.holding[c.key]?.since ?? now;
      holding[c.key] = { deviceId: d.deviceId, since };
      const hold = holdMs(c.rule, rules);
      if (hold === null || firing[c.key] || nowMs - Date.parse(since) < hold) continue;
      const alert = fire(c, since, now);
      firing[c.key] = alert;
      transitions.push(alert);
    }
    for (const a of firingByDevice.get(d.deviceId) ?? []) {
      if (current.has(a.key)) continue;
      if (frozen && a.rule !== "device.offline") continue;
      delete firing[a.key];
      transitions.push({ ...a, state: "resolved", resolvedAt: now });
    }
    if (frozen) {
      for (const [key, h] of Object.entries(book.holding)) {
        if (h.deviceId === d.deviceId && !key.startsWith("device.offline:")) holding[key] ??= h;
      }
    }
  }
  // A device not in the fleet (not loaded yet) keeps what it had.
  for (const [key, h] of Object.entries(book.holding)) if (!seen.has(h.deviceId)) holding[key] = h;
  return { book: { holding, firing }, transitions };
}
