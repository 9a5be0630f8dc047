import { describe, expect, it } from "vitest";
import { FAST_SCRYPT_COST, generateSecret, hashRandomSecret, hashSecret, verifySecret } from "../../../server/src/auth/secrets.ts";
import { addDevice, addToken, createAuthenticator } from "../../../server/src/auth/credentials.ts";
import { openSqliteStore } from "../../../server/src/store/sqlite-store.ts";

describe("secrets", () => {
  it("verifies the secret it hashed and refuses another", async () => {
    const hash = await hashSecret("s3cret", FAST_SCRYPT_COST);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifySecret("s3cret", hash)).toBe(true);
    expect(await verifySecret("s3cret!", hash)).toBe(false);
  });

  it("hashes a random secret with one salted SHA-256 and verifies it", async () => {
    const hash = hashRandomSecret("r4ndom");
    expect(hash).toMatch(/^sha256\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifySecret("r4ndom", hash)).toBe(true);
    expect(await verifySecret("r4ndom!", hash)).toBe(false);
    expect(hashRandomSecret("r4ndom")).not.toBe(hash);
  });

  it("still verifies a device password stored as scrypt by an earlier version", async () => {
    const store = openSqliteStore(":memory:");
    store.addDevice("pi-old", await hashSecret("old-password", FAST_SCRYPT_COST), new Date().toISOString());
    const auth = createAuthenticator(store, "server-secret");
    expect(await auth.verifyDevice("pi-old", "old-password")).toBe(true);
    expect(await auth.verifyDevice("pi-old", "wrong")).toBe(false);
    store.close();
  });

  it.each(["sha256$AAAA$short", "sha256$$", "sha256$AAAA"])("refuses a malformed SHA-256 hash %j without throwing", async (stored) =>
    expect(await verifySecret("x", stored)).toBe(false),
  );

  it("salts each hash", async () => {
    expect(await hashSecret("same", FAST_SCRYPT_COST)).not.toBe(await hashSecret("same", FAST_SCRYPT_COST));
  });

  it.each(["", "plain", "scrypt$1$2$3", "scrypt$abc$8$1$AAAA$BBBB", "scrypt$1024$8$1$AAAA$short", "bcrypt$1024$8$1$AAAA$BBBB"])(
    "refuses a malformed stored hash %j without throwing",
    async (stored) => expect(await verifySecret("x", stored)).toBe(false),
  );

  it("makes secrets of 32 url-safe characters", () => {
    expect(generateSecret()).toMatch(/^[\w-]{32}$/);
  });
});

describe("credentials in the store", () => {
  it("stores only the hash of a device password and checks it", async () => {
    const store = openSqliteStore(":memory:");
    const creds = await addDevice(store, "pi-1");
    expect(store.getDevicePasswordHash("pi-1")).not.toContain(creds.password);
    const auth = createAuthenticator(store, "server-secret");
    expect(await auth.verifyDevice("pi-1", creds.password)).toBe(true);
    expect(await auth.verifyDevice("pi-1", "nope")).toBe(false);
    expect(await auth.verifyDevice("pi-2", creds.password)).toBe(false);
    expect(await auth.verifyServer("server-secret")).toBe(true);
    store.close();
  });

  it("refuses an invalid device id", async () => {
    const store = openSqliteStore(":memory:");
    await expect(addDevice(store, "Bad/Id")).rejects.toMatchObject({ code: "UPLINK_BAD_REQUEST" });
    store.close();
  });

  it("checks operator tokens by id and secret", async () => {
    const store = openSqliteStore(":memory:");
    const { token } = await addToken(store, "alice");
    expect(token).toMatch(/^upl_[0-9a-f]{12}_[\w-]+$/);
    const auth = createAuthenticator(store, "x");
    expect(await auth.verifyToken(token)).toBe("alice");
    expect(await auth.verifyToken(token)).toBe("alice");
    expect(await auth.verifyToken(`${token}x`)).toBeNull();
    expect(await auth.verifyToken("garbage")).toBeNull();
    await expect(addToken(store, "alice")).rejects.toMatchObject({ code: "UPLINK_TOKEN_EXISTS" });
    store.close();
  });
});
