import { describe, expect, it } from "vitest";
import { LockTable } from "../../../agent/src/executor/lock-table.ts";

describe("the lock table", () => {
  it("lets one holder take a resource and refuses a second until it is released", () => {
    const locks = new LockTable();
    expect(locks.acquire("modem", "a")).toBe(true);
    expect(locks.acquire("modem", "b")).toBe(false);
    expect(locks.holder("modem")).toBe("a");
    locks.release("modem", "b");
    expect(locks.acquire("modem", "b")).toBe(false);
    locks.release("modem", "a");
    expect(locks.acquire("modem", "b")).toBe(true);
  });

  it("keeps different resources independent and never locks read-only commands", () => {
    const locks = new LockTable();
    expect(locks.acquire("link:wwan0", "a")).toBe(true);
    expect(locks.acquire("link:wlan0", "b")).toBe(true);
    expect(locks.acquire(null, "c")).toBe(true);
    expect(locks.acquire(null, "d")).toBe(true);
    expect(locks.size).toBe(2);
  });
});
