import { describe, expect, it } from "vitest";
import { addToken, createAuthenticator } from "../../../server/src/auth/credentials.ts";
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
  it("takes as long for an unknown id as for a known id with a wrong secret, and no longer for a malformed token", async () => {
    const store = openSqliteStore(":memory:");
    // The production hash (one salted SHA-256 of a 256-bit secret, see secrets.ts): the leak was a
    // check skipped for unknown ids, which made them answer at once.
    const { id } = await addToken(store, "alice");
    const auth = createAuthenticator(store, "server-secret", 0);
    const wrongSecret = `upl_${id}_${"x".repeat(43)}`;
    const unknownId = `upl_${id === "0".repeat(12) ? "1" : "0".repeat(12)}_${"x".repeat(43)}`;
    const malformed = "not-a-token-at-all";
    await auth.verifyToken(unknownId); // the decoy hash is made once, on the first miss

    const known: number[] = [];
    const unknown: number[] = [];
    const bad: number[] = [];
    // Microseconds each: batches of 200, interleaved, so that the machine's noise hits all three.
    const batch = (token: string) => timed(async () => {
      for (let k = 0; k < 200; k++) await auth.verifyToken(token);
    });
    for (let i = 0; i < 15; i++) {
      known.push(await batch(wrongSecret));
      unknown.push(await batch(unknownId));
      bad.push(await batch(malformed));
    }
    expect(await auth.verifyToken(unknownId)).toBeNull();
    expect(await auth.verifyToken(malformed)).toBeNull();
    // Before the decoy: ~0.01 (a map lookup against scrypt). Generous bounds: the CPUs are shared.
    expect(median(unknown) / median(known)).toBeGreaterThan(0.5);
    expect(median(unknown) / median(known)).toBeLessThan(2);
    // A malformed token skips the store lookup: faster, but it tells nothing an attacker does not
    // know (the format is public). It is still answered null after the decoy check.
    expect(median(bad) / median(known)).toBeLessThan(2);
    store.close();
  });
});
