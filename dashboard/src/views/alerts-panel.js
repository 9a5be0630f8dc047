// The firing alerts: rule, device, what on it, since when. Polled (alerts are not on the stream).
import { h } from "../dom.js";
import { ago } from "../fleet-model.js";

const RULE_LABELS = {
  "device.offline": "offline",
  "link.fallback": "on fallback",
  "layer.failing": "layer failing",
  "power.under-voltage": "under-voltage",
  "data.budget": "data budget",
};

/**
 * @param {object[] | null} alerts firing alerts, null before the first answer
 * @param {Error | null} error the last poll's failure
 */
export function alertsPanel(alerts, error) {
  const n = alerts?.length ?? 0;
  const sorted = [...(alerts ?? [])].sort((a, b) => Date.parse(a.since) - Date.parse(b.since) || a.deviceId.localeCompare(b.deviceId));
  return h(
    "section",
    { class: "card alerts", "aria-labelledby": "alerts-title", "data-alerts": String(n) },
    h("h2", { id: "alerts-title" }, "Firing alerts ", h("span", { class: `badge ${n ? "alert-n" : "online"}`, "data-alert-count": String(n) }, String(n))),
    error ? h("p", { class: "form-error", role: "alert" }, `Could not load the alerts: ${error.message}`) : null,
    alerts === null && !error
      ? h("p", { class: "muted" }, "Loading…")
      : n === 0
        ? h("p", { class: "muted empty" }, "No alert is firing.")
        : h(
            "ul",
            { class: "alert-list" },
            sorted.map((a) =>
              h(
                "li",
                { class: "alert", "data-rule": a.rule, "data-device": a.deviceId },
                h("span", { class: "badge alert-rule", title: a.rule }, RULE_LABELS[a.rule] ?? a.rule),
                h("a", { href: `#/devices/${encodeURIComponent(a.deviceId)}`, "data-key": `alert-${a.id}` }, a.deviceId),
                a.subject ? h("code", { class: "alert-subject" }, a.subject) : null,
                h("span", { class: "alert-summary" }, a.summary),
                h("span", { class: "alert-since muted small" }, "since ", h("time", { datetime: a.since, title: a.since }, ago(a.since))),
              ),
            ),
          ),
  );
}
