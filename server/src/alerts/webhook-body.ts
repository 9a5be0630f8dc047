import type { Alert } from "./alert.ts";

export type WebhookFormat = "json" | "slack";

/** Pure: what one alert posts. Plain JSON carries the alert as the API shows it; Slack wants `text`. */
export function webhookBody(alert: Alert, format: WebhookFormat): Record<string, unknown> {
  if (format === "json") return { ...alert };
  const icon = alert.state === "firing" ? ":rotating_light:" : ":white_check_mark:";
  const when = alert.state === "firing" ? `since ${alert.since}` : `resolved ${alert.resolvedAt} (since ${alert.since})`;
  return { text: `${icon} [${alert.state}] ${alert.rule}: ${alert.summary} — ${when}` };
}

/** Pure: the wait before retry number `attempt` (1, 2, ...): doubling from `firstMs`, capped at `maxMs`. */
export function backoffMs(attempt: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, attempt - 1));
}
