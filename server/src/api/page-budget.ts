import type { Page } from "../store/store.ts";

/**
 * How many bytes one page of a list may weigh. `limit` alone (up to 1000) would let a page of
 * a device's layer reports, each up to MAX_PAYLOAD_BYTES, weigh 256 MB: what a device sent once,
 * served again at every request.
 */
export const PAGE_BYTES = 4 * 1024 * 1024;

/**
 * A page of at most `limit` items and PAGE_BYTES (at least one item, which is bounded on its own).
 * When the items asked for weigh more, the store is asked again for as many as fit, so that its
 * `nextCursor` continues right after the last one served: the client pages on as usual.
 */
export function pageWithin<T>(fetch: (limit: number) => Page<T>, limit: number, bytes = PAGE_BYTES): Page<T> {
  const page = fetch(limit);
  let total = 0;
  let fit = 0;
  for (const item of page.items) {
    total += Buffer.byteLength(JSON.stringify(item));
    if (total > bytes) break;
    fit++;
  }
  if (fit === page.items.length) return page;
  return fetch(Math.max(1, fit));
}
