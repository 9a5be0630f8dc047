/** Pure text formatting for the CLI's human output. */
import type { Diagnosis } from "@uplink/shared";

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function rootCauseText(rootCause: Record<string, string | null>): string {
  const failing = Object.entries(rootCause).filter(([, layer]) => layer !== null);
  return failing.length ? failing.map(([link, layer]) => `${link}:${layer}`).join(" ") : Object.keys(rootCause).length ? "ok" : "-";
}

/**
 * Pure: a layer report as `uplink show` and `uplink run ... --wait` print it: one line per link and
 * one for the host, each its root cause (the lowest failing layer) with its summary and fix, or ok.
 */
export function layerLines(d: Pick<Diagnosis, "links" | "host">): string[] {
  return [...Object.entries(d.links), ["host", d.host] as const].map(([link, report]) => {
    const failing = report.layers.find((l) => l.name === report.firstFailingLayer);
    const cause = report.firstFailingLayer ? `${report.firstFailingLayer}: ${failing?.summary ?? ""}${failing?.fix ? ` (fix: ${failing.fix.name})` : ""}` : "ok";
    return `  ${String(link).padEnd(9)} ${cause}`;
  });
}
