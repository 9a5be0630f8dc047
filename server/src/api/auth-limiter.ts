import { isIPv6 } from "node:net";
import { secretDigest } from "../auth/secrets.ts";

/**
 * Failed HTTP authentication, limited per source address: a token bucket that a source may spend
 * `burst` failures from at once and that refills `perSecond`. An empty bucket answers 429 before
 * the token is checked, so guessing costs the server no scrypt. A token that passed recently
 * skips the bucket: an operator behind the same address as a guesser (NAT, a proxy) keeps working.
 */

export interface AuthLimit {
  burst: number;
  perSecond: number;
}

/** 10 wrong tokens at once, then one a second: 86,400 guesses a day at a 2^256 secret. */
export const DEFAULT_AUTH_LIMIT: AuthLimit = { burst: 10, perSecond: 1 };

interface Bucket {
  tokens: number;
  at: number;
}

/** Pure: the bucket refilled up to `now`. */
export function refill(b: Bucket, now: number, limit: AuthLimit): Bucket {
  return { tokens: Math.min(limit.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * limit.perSecond), at: now };
}

/** Pure: whole seconds until the bucket holds one attempt again (at least 1). */
export function retryAfterS(b: Bucket, limit: AuthLimit): number {
  return Math.max(1, Math.ceil((1 - b.tokens) / limit.perSecond));
}

/**
 * Pure: the bucket a request's address draws from. IPv4 (also IPv4-mapped IPv6) by address; IPv6
 * by its /64, the smallest block one subscriber gets, which a guesser could otherwise walk.
 */
export function sourceKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

export interface AuthLimiter {
  /** Reserves one attempt for `ip`: 0 when allowed, else the seconds to wait (Retry-After). */
  take(ip: string): number;
  /** The attempt succeeded: it does not count. */
  refund(ip: string): void;
  /** A token that passed: later requests with it skip the bucket. */
  rememberValid(token: string): void;
  knownValid(token: string): boolean;
  /** Sources whose bucket is empty now (a gauge). */
  limitedSources(): number;
}

const MAX_SOURCES = 10_000;
const MAX_REMEMBERED = 1_000;
const REMEMBER_MS = 10 * 60_000;

export function createAuthLimiter(limit: AuthLimit = DEFAULT_AUTH_LIMIT, now: () => number = Date.now): AuthLimiter {
  const buckets = new Map<string, Bucket>();
  // Digests, never the tokens; passing the bucket still leaves the token to be verified.
  const valid = new Map<string, number>();

  function bucket(key: string): Bucket {
    const b = refill(buckets.get(key) ?? { tokens: limit.burst, at: now() }, now(), limit);
    buckets.delete(key);
    buckets.set(key, b); // most recent last: the first entries are the oldest
    if (buckets.size > MAX_SOURCES) {
      // A full bucket is the same as none; past those, the least recently seen go first.
      for (const [k, old] of buckets) if (k !== key && refill(old, now(), limit).tokens >= limit.burst) buckets.delete(k);
      for (const k of buckets.keys()) {
        if (buckets.size <= MAX_SOURCES) break;
        if (k !== key) buckets.delete(k);
      }
    }
    return b;
  }

  return {
    take(ip) {
      const b = bucket(sourceKey(ip));
      if (b.tokens < 1) return retryAfterS(b, limit);
      b.tokens -= 1;
      return 0;
    },
    refund(ip) {
      const b = bucket(sourceKey(ip));
      b.tokens = Math.min(limit.burst, b.tokens + 1);
    },
    rememberValid(token) {
      if (valid.size >= MAX_REMEMBERED) valid.clear();
      valid.set(secretDigest(token), now() + REMEMBER_MS);
    },
    knownValid(token) {
      const until = valid.get(secretDigest(token));
      return until !== undefined && until > now();
    },
    limitedSources() {
      let n = 0;
      for (const b of buckets.values()) if (refill(b, now(), limit).tokens < 1) n++;
      return n;
    },
  };
}
