/** Reads the few series the fleet benchmark needs from Prometheus text. */
export interface Scrape {
  messagesIn: number;
  /** Cumulative delay histogram: upper bound (s) -> count. */
  buckets: Array<[number, number]>;
  count: number;
}

export function parseScrape(text: string): Scrape {
  let messagesIn = 0;
  let count = 0;
  const buckets: Array<[number, number]> = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("uplink_messages_in_total")) messagesIn += Number(line.slice(line.lastIndexOf(" ") + 1));
    const b = /^uplink_ingest_delay_seconds_bucket\{le="([^"]+)"\} (\d+)/.exec(line);
    if (b && b[1] !== "+Inf") buckets.push([Number(b[1]), Number(b[2])]);
    if (line.startsWith("uplink_ingest_delay_seconds_count ")) count = Number(line.split(" ")[1]);
  }
  return { messagesIn, buckets, count };
}

/** The q-quantile (0..1) of the observations between two scrapes, interpolated inside its bucket. */
export function quantileBetween(before: Scrape, after: Scrape, q: number): number | null {
  const n = after.count - before.count;
  if (n <= 0) return null;
  const target = q * n;
  let lower = 0;
  let below = 0;
  for (let i = 0; i < after.buckets.length; i++) {
    const [bound, cum] = after.buckets[i]!;
    const c = cum - (before.buckets[i]?.[1] ?? 0);
    if (c >= target) {
      const inBucket = c - below;
      return inBucket > 0 ? lower + ((target - below) / inBucket) * (bound - lower) : bound;
    }
    lower = bound;
    below = c;
  }
  return Infinity; // beyond the last bucket
}
