import type { EventMessage } from "@uplink/shared";

export interface TimedEvent {
  atMs: number;
  event: EventMessage;
}

export interface FaultStats {
  cause: string;
  /** Faults of this cause that began in the window. */
  count: number;
  /** Of those that ended: the remediation that succeeded last before the layer was ok again (`none`: it came back on its own). */
  fixedBy: Record<string, number>;
  recovered: number;
  recoveryS: { median: number | null; p90: number | null };
}

/** Pure: the value below which a fraction `q` of the sorted values lie (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * Pure: per fault cause, how often, what fixed it and how fast. A fault is a `layer.changed` to
 * failing on a link and layer, with its cause; it ends at that layer's next change to ok. The
 * fix is the last `remediation.succeeded` on that link between the two.
 */
export function faultStats(events: readonly TimedEvent[]): FaultStats[] {
  const sorted = [...events].sort((a, b) => a.atMs - b.atMs);
  const open = new Map<string, { cause: string; startMs: number; fix: string | null }>();
  const stats = new Map<string, { count: number; fixedBy: Record<string, number>; recoveries: number[] }>();
  const of = (cause: string) => {
    let s = stats.get(cause);
    if (!s) stats.set(cause, (s = { count: 0, fixedBy: {}, recoveries: [] }));
    return s;
  };
  for (const { atMs, event: e } of sorted) {
    if (e.type === "layer.changed") {
      const key = `${e.deviceId}:${e.link}/${e.layer}`;
      if (e.to === "failing" && !open.has(key)) {
        const cause = e.cause ?? `${e.layer} failing`;
        open.set(key, { cause, startMs: atMs, fix: null });
        of(cause).count += 1;
      } else if (e.to === "ok" && open.has(key)) {
        const f = open.get(key)!;
        open.delete(key);
        const s = of(f.cause);
        const fix = f.fix ?? "none";
        s.fixedBy[fix] = (s.fixedBy[fix] ?? 0) + 1;
        s.recoveries.push((atMs - f.startMs) / 1000);
      }
    } else if (e.type === "remediation.succeeded") {
      for (const [key, f] of open) if (key.startsWith(`${e.deviceId}:${e.link ?? "host"}/`)) f.fix = e.command.name;
    }
  }
  return [...stats.entries()]
    .map(([cause, s]) => {
      const r = [...s.recoveries].sort((a, b) => a - b);
      return { cause, count: s.count, fixedBy: s.fixedBy, recovered: r.length, recoveryS: { median: quantile(r, 0.5), p90: quantile(r, 0.9) } };
    })
    .sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause));
}
