/** One heartbeat's cumulative interface counters, as the agent reads them from the kernel. */
export interface CounterSample {
  atMs: number;
  links: Record<string, { rxBytes?: number; txBytes?: number }>;
}

export interface LinkBytes {
  rxBytes: number;
  txBytes: number;
}

/**
 * Pure: bytes each link carried in (fromMs, untilMs], from cumulative counters. A counter lower
 * than the one before was reset (a reboot, the modem's interface made anew) and counts from zero.
 * Each interval between two samples counts whole at its later sample's time; the first sample of
 * a link is only a baseline (what it counted before is not known to be in the window). Downsampled
 * history still adds up, since the counters are cumulative; only a reset inside a removed stretch
 * loses what was counted before it.
 */
export function bytesPerLink(samples: readonly CounterSample[], fromMs: number, untilMs: number): Record<string, LinkBytes> {
  const sorted = [...samples].sort((a, b) => a.atMs - b.atMs);
  const last: Record<string, { rx?: number; tx?: number }> = {};
  const out: Record<string, LinkBytes> = {};
  const delta = (now: number | undefined, before: number | undefined) =>
    now === undefined || before === undefined ? 0 : now >= before ? now - before : now;
  for (const s of sorted) {
    if (s.atMs > untilMs) break;
    for (const [link, c] of Object.entries(s.links)) {
      const prev = last[link];
      if (prev && s.atMs > fromMs) {
        const acc = (out[link] ??= { rxBytes: 0, txBytes: 0 });
        acc.rxBytes += delta(c.rxBytes, prev.rx);
        acc.txBytes += delta(c.txBytes, prev.tx);
      }
      last[link] = { rx: c.rxBytes ?? prev?.rx, tx: c.txBytes ?? prev?.tx };
    }
  }
  return out;
}

/** Pure: the start (UTC midnight) of the billing cycle holding `nowMs`, cycles starting on `billingDay`. */
export function cycleStartMs(nowMs: number, billingDay: number): number {
  const now = new Date(nowMs);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const thisMonth = Date.UTC(y, m, billingDay);
  return nowMs >= thisMonth ? thisMonth : Date.UTC(y, m - 1, billingDay);
}

/** A link billed by the byte: the agent says cellular, or, without a health report, its name does. */
export function isMetered(link: string, role: string | undefined): boolean {
  return role !== undefined ? role === "cellular" : /^(wwan|ppp|usb)/.test(link);
}
