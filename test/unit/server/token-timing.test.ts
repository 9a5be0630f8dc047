import { describe, expect, it } from "vitest";
import { addToken, createAuthenticator } from "../../../server/src/auth/credentials.ts";
import { DEFAULT_SCRYPT_COST } from "../../../server/src/auth/secrets.ts";
import { openSqliteStore } from "../../../server/src/store/sqlite-store.ts";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

describe("an operator token check", () => {
  it("takes as long for an unknown id or a malformed token as for a known id with a wrong secret", async () => {
    const store = openSqliteStore(":memory:");
    // The production cost: the leak was the missing scrypt, so a cheap scrypt would hide it.
    const { id } = await addToken(store, "alice", DEFAULT_SCRYPT_COST);
    const auth = createAuthenticator(store, "server-secret", 0);
    const wrongSecret = `upl_${id}_${"x".repeat(43)}`;
    const unknownId = `upl_${id === "0".repeat(12) ? "1" : "0".repeat(12)}_${"x".repeat(43)}`;
    const malformed = "not-a-token-at-all";
    await auth.verifyToken(unknownId); // the decoy hash is made once, on the first miss

    const known: number[] = [];
    const unknown: number[] = [];
    const bad: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await timed(() => auth.verifyToken(wrongSecret)));
      unknown.push(await timed(() => auth.verifyToken(unknownId)));
      bad.push(await timed(() => auth.verifyToken(malformed)));
    }
    expect(await auth.verifyToken(unknownId)).toBeNull();
    expect(await auth.verifyToken(malformed)).toBeNull();
    // Before the fix: ~0.01 (a map lookup against scrypt). Generous bounds: the CPUs are shared.
    expect(median(unknown) / median(known)).toBeGreaterThan(0.5);
    expect(median(unknown) / median(known)).toBeLessThan(2);
    expect(median(bad) / median(known)).toBeGreaterThan(0.5);
    expect(median(bad) / median(known)).toBeLessThan(2);
    store.close();
  });
});
