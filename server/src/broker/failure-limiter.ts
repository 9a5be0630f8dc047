import { isIPv6 } from "node:net";

/**
 * Failed logins per source address, as token buckets: each failure takes a token, tokens come
 * back at `perMinute`, and a source with none left is refused before its password is checked.
 * Only failures spend tokens, so a whole fleet behind one NAT that logs in correctly is never
 * limited; a wrong-password storm from one source costs one scrypt per refill, not one per CONNECT.
 */
export interface Bucket {
  readonly tokens: number;
  readonly at: number;
}

/** The bucket refilled up to `now` (pure). */
export function refill(bucket: Bucket, now: number, perMinute: number): Bucket {
  const tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) * perMinute) / 60_000);
  return { tokens, at: now };
}

/**
 * Where failures are counted: an IPv4 address, or an IPv6 /64 (one subscriber's prefix; a single
 * host can choose any address inside it).
 */
export function sourceKey(address: string | undefined): string {
  if (!address) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = "", tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = address.includes("::") ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(":")}::/64`;
}

export interface FailureLimiter {
  /** Whether this source may have its password checked now. */
  allows(source: string, now?: number): boolean;
  /** A failed login from this source. */
  failed(source: string, now?: number): void;
  /** Sources with failures not yet forgiven. */
  readonly tracked: number;
}

/** The shell around the buckets: a map bounded so that sources themselves cannot exhaust memory. */
export function createFailureLimiter(perMinute: number, maxSources = 100_000): FailureLimiter {
  const buckets = new Map<string, Bucket>();
  const current = (source: string, now: number): Bucket => refill(buckets.get(source) ?? { tokens: perMinute, at: now }, now, perMinute);
  return {
    allows(source, now = Date.now()) {
      if (perMinute <= 0) return true;
      const b = buckets.get(source);
      if (!b) return true;
      const fresh = current(source, now);
      // A full bucket is the same as none: forget the source.
      if (fresh.tokens >= perMinute) buckets.delete(source);
      return fresh.tokens >= 1;
    },
    failed(source, now = Date.now()) {
      if (perMinute <= 0) return;
      const b = current(source, now);
      buckets.delete(source);
      // The oldest entry goes first when full: Map keeps insertion order, and each failure re-inserts.
      if (buckets.size >= maxSources) buckets.delete(buckets.keys().next().value!);
      buckets.set(source, { tokens: Math.max(0, b.tokens - 1), at: now });
    },
    get tracked() {
      return buckets.size;
    },
  };
}
