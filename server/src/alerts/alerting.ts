import type { Logger } from "pino";
import type { Fleet } from "../fleet.ts";
import { bytesPerLink, cycleStartMs, isMetered } from "../history/data-used.ts";
import { readCounterSamples } from "../history/read-heartbeats.ts";
import type { Metrics } from "../metrics.ts";
import type { Store } from "../store/store.ts";
import { ALERT_RULES, type Alert, type AlertRules } from "./alert.ts";
import { bookFrom, evaluateAlerts, type AlertBook } from "./evaluate.ts";
import type { WebhookSender } from "./webhook.ts";

export interface AlertingDeps {
  fleet: Fleet;
  store: Store;
  rules: AlertRules;
  sender: WebhookSender | null;
  logger: Logger;
  metrics: Metrics;
  /** How often the data used this cycle is read from the stored heartbeats (data budget rule). */
  dataUsageEveryMs?: number;
}

export interface Alerting {
  /** Looks at the fleet now; stores, counts, logs and sends what fired or resolved. */
  evaluate(nowMs: number): Alert[];
  firing(): Alert[];
}

/**
 * The imperative shell around evaluateAlerts: it resumes from the stored firing alerts (so a
 * restart neither repeats nor forgets one), keeps the book between ticks, and hands each
 * transition to the store, the metrics and the webhook queue. It runs on the server's ticker,
 * never in ingest.
 */
export function createAlerting(deps: AlertingDeps): Alerting {
  const { fleet, store, rules, sender, logger, metrics, dataUsageEveryMs = 600_000 } = deps;
  let book: AlertBook = bookFrom(store.listFiringAlerts());
  let dataUsed: Record<string, number> = {};
  let dataUsedAt = -Infinity;

  for (const rule of ALERT_RULES) metrics.inc("uplink_alerts_total", { rule, state: "firing" }, 0);
  metrics.gauge("uplink_alerts_firing", "alerts firing now, by rule", () =>
    ALERT_RULES.map((rule) => ({ labels: { rule }, value: Object.values(book.firing).filter((a) => a.rule === rule).length })),
  );

  function readDataUsed(nowMs: number): Record<string, number> {
    const from = cycleStartMs(nowMs, rules.billingDay);
    const out: Record<string, number> = {};
    for (const d of Object.values(fleet.state.devices)) {
      const perLink = bytesPerLink(readCounterSamples(store, d.deviceId, from, nowMs), from, nowMs);
      out[d.deviceId] = Object.entries(perLink)
        .filter(([link]) => isMetered(link, d.health?.links[link]?.role))
        .reduce((n, [, b]) => n + b.rxBytes + b.txBytes, 0);
    }
    return out;
  }

  return {
    evaluate(nowMs) {
      if (rules.dataBudgetBytes !== null && nowMs - dataUsedAt >= dataUsageEveryMs) {
        dataUsedAt = nowMs;
        try {
          dataUsed = readDataUsed(nowMs);
        } catch (err) {
          logger.warn({ err }, "reading the data used this cycle failed; the data budget rule keeps the last figures");
        }
      }
      const next = evaluateAlerts(book, Object.values(fleet.state.devices), dataUsed, nowMs, rules);
      book = next.book;
      for (const a of next.transitions) {
        try {
          store.saveAlert(a);
        } catch (err) {
          logger.error({ err, alert: a.id }, "storing an alert failed");
        }
        metrics.inc("uplink_alerts_total", { rule: a.rule, state: a.state });
        logger.info({ alert: a.id, rule: a.rule, deviceId: a.deviceId, subject: a.subject, state: a.state, since: a.since }, `alert ${a.state}: ${a.summary}`);
        sender?.send(a);
      }
      return next.transitions;
    },
    firing() {
      return Object.values(book.firing);
    },
  };
}
