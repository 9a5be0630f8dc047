/** Pure text formatting for the CLI's human output. */

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
