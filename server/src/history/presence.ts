import type { DeviceState } from "../state/types.ts";

/** A change of a device's presence: online or not, and through which link. */
export interface PresenceRow {
  atMs: number;
  online: boolean;
  link: string | null;
  /** Offline rows: the root cause the device last reported (`link/layer`), or why it went offline. */
  cause: string | null;
}

export interface Segment {
  startMs: number;
  endMs: number;
  online: boolean;
  link: string | null;
  cause: string | null;
}

/**
 * Pure: the presence row a device state calls for, or null when its presence is as `last` says.
 * The time is the device's last message: a device found silent by the tick went away after it.
 */
export function presenceChange(last: Pick<PresenceRow, "online" | "link"> | undefined, d: DeviceState, nowMs: number): PresenceRow | null {
  const link = d.online ? d.activeLink : null;
  if (last && last.online === d.online && last.link === link) return null;
  if (!last && !d.online) return null;
  const atMs = d.lastSeenAt ? Date.parse(d.lastSeenAt) : nowMs;
  if (d.online) return { atMs, online: true, link, cause: null };
  const causes = Object.entries(d.rootCause).filter(([, layer]) => layer !== null);
  const onActive = causes.find(([l]) => l === d.activeLink) ?? causes[0];
  return { atMs, online: false, link: null, cause: onActive ? `${onActive[0]}/${onActive[1]}` : (d.statusReason ?? null) };
}

/**
 * Pure: the window [fromMs, untilMs) cut into segments of one presence. `before` is the last row
 * before the window (the state at its start); before the first row ever the device was not known,
 * and that stretch is no segment at all (it is not expected to be online).
 */
export function segments(before: PresenceRow | null, rows: readonly PresenceRow[], fromMs: number, untilMs: number): Segment[] {
  const sorted = rows.filter((r) => r.atMs >= fromMs && r.atMs < untilMs).sort((a, b) => a.atMs - b.atMs);
  const out: Segment[] = [];
  let cur: { startMs: number; row: PresenceRow } | null = before ? { startMs: fromMs, row: before } : null;
  for (const r of sorted) {
    if (cur && r.atMs > cur.startMs) out.push({ startMs: cur.startMs, endMs: r.atMs, online: cur.row.online, link: cur.row.link, cause: cur.row.cause });
    cur = { startMs: r.atMs, row: r };
  }
  if (cur && untilMs > cur.startMs) out.push({ startMs: cur.startMs, endMs: untilMs, online: cur.row.online, link: cur.row.link, cause: cur.row.cause });
  return out;
}

export interface Availability {
  onlineS: number;
  expectedS: number;
  /** onlineS / expectedS; null when nothing was expected (the device was not known yet). */
  ratio: number | null;
}

/** Pure: time online against time known. */
export function availability(segs: readonly Segment[]): Availability {
  let online = 0;
  let expected = 0;
  for (const s of segs) {
    expected += s.endMs - s.startMs;
    if (s.online) online += s.endMs - s.startMs;
  }
  return { onlineS: online / 1000, expectedS: expected / 1000, ratio: expected > 0 ? online / expected : null };
}

/** Pure: seconds carried by each link, `offline`, and `unknown` (online before it named its link: a status before the first heartbeat). */
export function timePerLink(segs: readonly Segment[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of segs) {
    const k = s.online ? (s.link ?? "unknown") : "offline";
    out[k] = (out[k] ?? 0) + (s.endMs - s.startMs) / 1000;
  }
  return out;
}

export interface Outage {
  start: string;
  /** null: still offline at the end of the window. */
  end: string | null;
  durationS: number;
  rootCause: string | null;
}

/** Pure: the offline stretches (adjacent offline segments merged); the last is open when it reaches `untilMs`. */
export function outages(segs: readonly Segment[], untilMs: number): Outage[] {
  const out: Array<{ startMs: number; endMs: number; cause: string | null }> = [];
  for (const s of segs) {
    if (s.online) continue;
    const prev = out.at(-1);
    if (prev && prev.endMs === s.startMs) prev.endMs = s.endMs;
    else out.push({ startMs: s.startMs, endMs: s.endMs, cause: s.cause });
  }
  return out.map((o) => ({
    start: new Date(o.startMs).toISOString(),
    end: o.endMs >= untilMs ? null : new Date(o.endMs).toISOString(),
    durationS: (o.endMs - o.startMs) / 1000,
    rootCause: o.cause,
  }));
}

export interface Stretch {
  start: string;
  end: string;
  /** The link that carried traffic, `offline`, or `unknown` (online before it named its link). */
  state: string;
}

/** Pure: the segments as the dashboard's connectivity strip draws them, adjacent ones of the same state merged. */
export function stretches(segs: readonly Segment[]): Stretch[] {
  const out: Array<{ startMs: number; endMs: number; state: string }> = [];
  for (const s of segs) {
    const state = s.online ? (s.link ?? "unknown") : "offline";
    const prev = out.at(-1);
    if (prev && prev.state === state && prev.endMs === s.startMs) prev.endMs = s.endMs;
    else out.push({ startMs: s.startMs, endMs: s.endMs, state });
  }
  return out.map((o) => ({ start: new Date(o.startMs).toISOString(), end: new Date(o.endMs).toISOString(), state: o.state }));
}
