import { UplinkError } from "../errors.ts";
import type { Page } from "./store.ts";

/** Pages go newest first; a cursor is the last row id of a page, opaque to clients. */
export function cursorOf(id: unknown): string {
  return Buffer.from(String(id)).toString("base64url");
}

export function idFromCursor(cursor: string | null | undefined): number {
  if (!cursor) return Number.MAX_SAFE_INTEGER;
  const text = Buffer.from(cursor, "base64url").toString();
  const n = Number(text);
  if (!/^[0-9]{1,16}$/.test(text) || !Number.isSafeInteger(n)) throw new UplinkError("UPLINK_BAD_REQUEST", "cursor: not a cursor this server made");
  return n;
}

/** `rows` holds up to limit + 1 rows: one more than the page says there is a next page. */
export function page<T>(rows: Array<Record<string, unknown>>, limit: number, map: (r: Record<string, unknown>) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), nextCursor: more ? cursorOf(kept[kept.length - 1]!.id) : null };
}
