import { randomBytes } from "node:crypto";
import { deviceIdSchema } from "@uplink/shared";
import { UplinkError } from "../errors.ts";
import { isReservedDeviceId } from "./principal.ts";
import type { Store } from "../store/store.ts";
import { generateSecret, hashRandomSecret, secretDigest, verifySecret } from "./secrets.ts";

export interface DeviceCredentials {
  deviceId: string;
  username: string;
  password: string;
}

/** Registers a device and returns its password: the only time it exists in plain text. */
export async function addDevice(store: Store, deviceId: string): Promise<DeviceCredentials> {
  const parsed = deviceIdSchema.safeParse(deviceId);
  if (!parsed.success) throw new UplinkError("UPLINK_BAD_REQUEST", `invalid device id "${deviceId}": ${parsed.error.issues[0]?.message}`);
  if (isReservedDeviceId(deviceId)) throw new UplinkError("UPLINK_BAD_REQUEST", `invalid device id "${deviceId}": reserved for the server's own MQTT client`);
  const password = generateSecret();
  store.addDevice(deviceId, hashRandomSecret(password), new Date().toISOString());
  return { deviceId, username: deviceId, password };
}

const TOKEN_PREFIX = "upl";
const TOKEN_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * An operator token is `upl_<id>_<secret>`: the id finds the row, the secret is checked against
 * its scrypt hash. The prefix makes a leaked token easy to find with secret scanners.
 */
export async function addToken(store: Store, name: string): Promise<{ token: string; id: string; name: string }> {
  if (!TOKEN_NAME.test(name)) throw new UplinkError("UPLINK_BAD_REQUEST", `invalid token name "${name}": 1-64 of A-Z a-z 0-9 _ . @ -`);
  const id = randomBytes(6).toString("hex");
  const secret = generateSecret(32);
  store.addToken({ id, name, hash: hashRandomSecret(secret), createdAt: new Date().toISOString() });
  return { token: `${TOKEN_PREFIX}_${id}_${secret}`, id, name };
}

export interface Authenticator {
  /** Resolves the device's password check; false for an unknown device (after the same work). */
  verifyDevice(deviceId: string, password: string): Promise<boolean>;
  /** The token's name, or null. */
  verifyToken(token: string): Promise<string | null>;
  /** The token's id and name, or null: an operator's MQTT client ids are bound to the id. */
  verifyOperator(token: string): Promise<{ id: string; name: string } | null>;
  /** The server's own broker principal (embedded broker only): a per-process secret. */
  verifyServer(password: string): Promise<boolean>;
}

// Hash of a random secret: an unknown device or token id costs the same check as a known one with
// a wrong secret, so timing does not tell which ids exist.
const decoy = hashRandomSecret(generateSecret());

/**
 * Checks secrets against the store. A verified token is remembered by its digest for a minute so
 * that the HTTP API does not pay scrypt on every request.
 */
export function createAuthenticator(store: Store, serverSecret: string, cacheMs = 60_000): Authenticator {
  const tokenCache = new Map<string, { id: string; name: string; until: number }>();
  const serverHash = hashRandomSecret(serverSecret);
  async function verifyOperator(token: string): Promise<{ id: string; name: string } | null> {
    const key = secretDigest(token);
    const hit = tokenCache.get(key);
    if (hit && hit.until > Date.now()) return { id: hit.id, name: hit.name };
    const m = /^upl_([0-9a-f]{12})_(.+)$/.exec(token);
    const row = m ? store.getToken(m[1]!) : null;
    if (!m || !row) {
      // The same check as a wrong secret: timing must not tell which token ids exist.
      await verifySecret(m?.[2] ?? token, decoy);
      return null;
    }
    if (!(await verifySecret(m[2]!, row.hash))) return null;
    if (tokenCache.size > 1000) tokenCache.clear();
    tokenCache.set(key, { id: m[1]!, name: row.name, until: Date.now() + cacheMs });
    return { id: m[1]!, name: row.name };
  }
  return {
    async verifyDevice(deviceId, password) {
      const hash = store.getDevicePasswordHash(deviceId);
      if (!hash) {
        await verifySecret(password, decoy);
        return false;
      }
      return verifySecret(password, hash);
    },
    async verifyToken(token) {
      return (await verifyOperator(token))?.name ?? null;
    },
    verifyOperator,
    async verifyServer(password) {
      return verifySecret(password, serverHash);
    },
  };
}
