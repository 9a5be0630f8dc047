/**
 * Whether a refusal gets its own log line. A flood (20,000 sockets, a wrong-password storm) would
 * otherwise write a line per attempt to a synchronous stderr and become a flood of its own: the
 * first refusal of a kind is logged, the rest of its window only counted, and the next line says
 * how many were left out. The counters in /metrics see every one.
 */
export interface RefusalLog {
  /** null: stay quiet; otherwise log, with how many of this kind were left out before. */
  admit(kind: string, now?: number): { suppressed: number } | null;
}

export function createRefusalLog(windowMs = 10_000): RefusalLog {
  const windows = new Map<string, { until: number; suppressed: number }>();
  return {
    admit(kind, now = Date.now()) {
      const w = windows.get(kind);
      if (w && now < w.until) {
        w.suppressed++;
        return null;
      }
      windows.set(kind, { until: now + windowMs, suppressed: 0 });
      return { suppressed: w?.suppressed ?? 0 };
    },
  };
}
