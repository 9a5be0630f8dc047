import type { PresenceRow } from "../history/presence.ts";

/** A presence row as either store reads it (SQLite integers, PostgreSQL BIGINT strings). */
export function presenceRow(r: Record<string, unknown>): PresenceRow {
  return { atMs: Number(r.at_ms), online: Number(r.online) === 1, link: r.link == null ? null : String(r.link), cause: r.cause == null ? null : String(r.cause) };
}
