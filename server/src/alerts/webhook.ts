import type { Logger } from "pino";
import type { Metrics } from "../metrics.ts";
import type { Alert } from "./alert.ts";
import { backoffMs, webhookBody, type WebhookFormat } from "./webhook-body.ts";

export interface WebhookOptions {
  url: string;
  format?: WebhookFormat;
  logger: Logger;
  metrics: Metrics;
  /** Alerts waiting at most; past it the oldest waiting one is dropped (and counted). */
  queueLimit?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** Tries per alert before it is dropped. */
  maxAttempts?: number;
  timeoutMs?: number;
}

export interface WebhookSender {
  /** Never waits: queues the alert for the delivery loop. */
  send(alert: Alert): void;
  readonly queued: number;
  close(): void;
}

/**
 * The imperative shell of delivery: one loop posts the queued alerts in order (a `resolved`
 * never overtakes its `firing`), retrying a failure with backoff. The queue is bounded, so a dead
 * webhook costs memory up to `queueLimit` alerts and nothing else: ingest and evaluation only
 * ever call `send`, which returns at once.
 */
export function createWebhookSender(o: WebhookOptions): WebhookSender {
  const { url, format = "json", logger, metrics, queueLimit = 1000, firstRetryMs = 1000, maxRetryMs = 300_000, maxAttempts = 12, timeoutMs = 10_000 } = o;
  const queue: Alert[] = [];
  let running = false;
  let closed = false;
  let wake: (() => void) | null = null;
  let sleeper: NodeJS.Timeout | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((done) => {
      wake = done;
      sleeper = setTimeout(done, ms);
      sleeper.unref();
    }).finally(() => {
      wake = null;
      sleeper = null;
    });

  async function post(alert: Alert): Promise<string | null> {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(webhookBody(alert, format)),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      return res.ok ? null : `HTTP ${res.status}`;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async function run(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0 && !closed) {
        const alert = queue[0]!;
        let attempt = 1;
        for (;;) {
          const error = await post(alert);
          if (closed) return;
          if (error === null) {
            metrics.inc("uplink_alert_webhook_deliveries_total", { outcome: "delivered" });
            break;
          }
          if (attempt >= maxAttempts) {
            metrics.inc("uplink_alert_webhook_deliveries_total", { outcome: "dropped" });
            logger.error({ alert: alert.id, state: alert.state, attempts: attempt, error }, "alert webhook failed for good: alert dropped");
            break;
          }
          const wait = backoffMs(attempt, firstRetryMs, maxRetryMs);
          metrics.inc("uplink_alert_webhook_deliveries_total", { outcome: "retried" });
          logger.warn({ alert: alert.id, state: alert.state, attempt, error, retryInMs: wait }, "alert webhook failed: retrying");
          attempt += 1;
          await sleep(wait);
          if (closed) return;
        }
        queue.shift();
      }
    } finally {
      running = false;
    }
  }

  metrics.gauge("uplink_alert_webhook_queue", "alerts waiting for the webhook", () => queue.length);
  return {
    send(alert) {
      if (closed) return;
      queue.push(alert);
      // The head is in flight; drop the oldest behind it.
      if (queue.length > queueLimit) {
        const [dropped] = queue.splice(1, 1);
        metrics.inc("uplink_alert_webhook_deliveries_total", { outcome: "dropped" });
        logger.error({ alert: dropped?.id, queueLimit }, "alert webhook queue full: oldest waiting alert dropped");
      }
      if (!running) void run();
    },
    get queued() {
      return queue.length;
    },
    close() {
      closed = true;
      if (sleeper) clearTimeout(sleeper);
      wake?.();
    },
  };
}
