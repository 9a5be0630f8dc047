/**
 * A tiny Prometheus registry: labelled counters and gauges read at scrape time. Enough for the
 * handful of series the server exposes, without a dependency.
 */
type Labels = Record<string, string>;

interface Series {
  help: string;
  type: "counter" | "gauge";
  values: Map<string, { labels: Labels; value: number }>;
  read?: () => Array<{ labels: Labels; value: number }>;
}

function key(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export interface Metrics {
  inc(name: string, labels?: Labels, by?: number): void;
  get(name: string, labels?: Labels): number;
  /** A gauge computed when scraped. */
  gauge(name: string, help: string, read: () => number | Array<{ labels: Labels; value: number }>): void;
  /** One observation of a histogram declared in HISTOGRAMS (or with default buckets). */
  observe(name: string, value: number): void;
  render(): string;
}

interface Histogram {
  help: string;
  /** Upper bounds, ascending; counts[i] is the number of observations <= bounds[i] and > bounds[i-1]. */
  bounds: readonly number[];
  counts: number[];
  sum: number;
  count: number;
}

/** Histograms and their buckets (Prometheus convention: seconds). */
export const HISTOGRAMS: Record<string, { help: string; bounds: readonly number[] }> = {
  uplink_ingest_delay_seconds: {
    help: "from a device message's ts to its effect on the fleet state (device clock; exact when on one machine)",
    bounds: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30],
  },
  uplink_ingest_batch_size: {
    help: "device messages stored per transaction",
    bounds: [1, 2, 5, 10, 20, 50, 100, 200, 500],
  },
};

export const COUNTERS: Record<string, string> = {
  uplink_messages_in_total: "device messages accepted, by channel",
  uplink_messages_rejected_total: "device messages refused by ingest, by reason",
  uplink_messages_duplicate_total: "QoS 1 redeliveries and replays dropped by (deviceId, bootId, seq)",
  uplink_messages_stale_total: "messages of a boot retired from a device's account (more than 8 boots back), stored, not counted",
  uplink_seq_anomalies_total: "device messages refused because their seq jumped implausibly far ahead",
  uplink_broker_reads_held_total: "connections the broker stopped reading while ingest caught up (its queue past the high-water mark)",
  uplink_store_failures_total: "times the store failed to take device messages (not acknowledged: they come again)",
  uplink_seq_skipped_total: "device messages skipped in seq order when a later one arrived",
  uplink_messages_late_total: "skipped messages that arrived after all (their gap closed)",
  uplink_broker_rejections_total: "connects, publishes and subscribes the broker refused, by action and reason",
  uplink_commands_issued_total: "commands issued through the API, by name",
  uplink_command_outcomes_total: "commands that reached a final state, by state",
  uplink_command_responses_ignored_total: "command responses that changed nothing (after the command was final, or a duplicate's echo), by why",
  uplink_http_unauthorized_total: "HTTP requests refused for want of a valid token",
  uplink_sse_clients_dropped_total: "live streams closed because the client stopped reading (over SSE_MAX_BUFFERED_BYTES unsent)",
  uplink_alerts_total: "alerts that fired or resolved, by rule and state",
  uplink_alert_webhook_deliveries_total: "alert webhook posts: delivered, retried (a failure, tried again later) or dropped",
  uplink_http_auth_rate_limited_total: "HTTP requests answered 429 unchecked: too many failed tokens from their source address",
};

export function createMetrics(): Metrics {
  const series = new Map<string, Series>();
  for (const [name, help] of Object.entries(COUNTERS)) series.set(name, { help, type: "counter", values: new Map() });
  const histograms = new Map<string, Histogram>();
  for (const [name, h] of Object.entries(HISTOGRAMS)) {
    histograms.set(name, { help: h.help, bounds: h.bounds, counts: h.bounds.map(() => 0), sum: 0, count: 0 });
  }

  function counter(name: string): Series {
    let s = series.get(name);
    if (!s) {
      s = { help: name, type: "counter", values: new Map() };
      series.set(name, s);
    }
    return s;
  }

  return {
    inc(name, labels = {}, by = 1) {
      const s = counter(name);
      const k = key(labels);
      const cur = s.values.get(k);
      if (cur) cur.value += by;
      else s.values.set(k, { labels, value: by });
    },
    get(name, labels = {}) {
      return series.get(name)?.values.get(key(labels))?.value ?? 0;
    },
    gauge(name, help, read) {
      series.set(name, {
        help,
        type: "gauge",
        values: new Map(),
        read: () => {
          const v = read();
          return typeof v === "number" ? [{ labels: {}, value: v }] : v;
        },
      });
    },
    observe(name, value) {
      const h = histograms.get(name);
      if (!h) return;
      h.sum += value;
      h.count += 1;
      // Beyond the last bound it counts only in +Inf (count).
      for (let i = 0; i < h.bounds.length; i++) {
        if (value <= h.bounds[i]!) {
          h.counts[i]! += 1;
          break;
        }
      }
    },
    render() {
      const lines: string[] = [];
      for (const [name, h] of histograms) {
        lines.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
        let cumulative = 0;
        h.bounds.forEach((b, i) => {
          cumulative += h.counts[i]!;
          lines.push(`${name}_bucket{le="${b}"} ${cumulative}`);
        });
        lines.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum}`, `${name}_count ${h.count}`);
      }
      for (const [name, s] of series) {
        lines.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
        const values = s.read ? s.read() : [...s.values.values()];
        if (values.length === 0 && s.type === "counter") lines.push(`${name} 0`);
        for (const { labels, value } of values) {
          const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
          lines.push(`${name}${l.length ? `{${l.join(",")}}` : ""} ${value}`);
        }
      }
      return `${lines.join("\n")}\n`;
    },
  };
}
