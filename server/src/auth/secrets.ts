import { randomBytes, scrypt, timingSafeEqual, createHash } from "node:crypto";

/**
 * Secrets (device passwords, operator tokens) are stored as scrypt hashes in a self-describing
 * string, `scrypt$N$r$p$salt$hash` (base64url), so that the cost can be raised later without
 * invalidating what is stored. N=2^14, r=8, p=1 is the cost node and OWASP name as a floor for
 * interactive logins; tests and the benchmark lower it through `ScryptCost`.
 */
export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 16384, r: 8, p: 1 };
/** For tests and benchmarks only: cheap enough to connect hundreds of devices at once. */
export const FAST_SCRYPT_COST: ScryptCost = { N: 1024, r: 8, p: 1 };

const KEY_BYTES = 32;

function scryptAsync(secret: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashSecret(secret: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, cost);
  return ["scrypt", cost.N, cost.r, cost.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/**
 * The hash of a secret uplink made itself: a device password (24 random bytes) or an operator
 * token's secret (32): `sha256$salt$hash`. A slow KDF exists to make guessing a human's password
 * expensive; a 192-bit random secret cannot be guessed at any speed, so one salted SHA-256 is as
 * safe (as GitHub and Stripe store API tokens), and a check costs microseconds, not ~50 ms of
 * scrypt: a fleet reconnecting at once, or a storm of wrong passwords, no longer queues on it.
 * Hashes stored as `scrypt$...` by earlier versions still verify.
 */
export function hashRandomSecret(secret: string): string {
  const salt = randomBytes(16);
  return ["sha256", salt.toString("base64url"), sha256(salt, secret).toString("base64url")].join("$");
}

function sha256(salt: Buffer, secret: string): Buffer {
  return createHash("sha256").update(salt).update(secret, "utf8").digest();
}

/** Constant-time check of a secret against a stored hash; false (never a throw) for a malformed hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length === 3 && parts[0] === "sha256") {
    const expected = Buffer.from(parts[2]!, "base64url");
    if (expected.length !== KEY_BYTES) return false;
    return timingSafeEqual(sha256(Buffer.from(parts[1]!, "base64url"), secret), expected);
  }
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1 << 20) return false;
  const salt = Buffer.from(parts[4]!, "base64url");
  const expected = Buffer.from(parts[5]!, "base64url");
  if (expected.length !== KEY_BYTES) return false;
  try {
    const actual = await scryptAsync(secret, salt, { N, r, p });
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}

/** A random secret an operator copies once: 24 bytes, base64url (32 characters). */
export function generateSecret(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

/** A cache key for a secret already verified: a digest, so the plain secret is never kept. */
export function secretDigest(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}
