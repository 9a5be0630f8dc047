import { describe, expect, it } from "vitest";
import { createAuthGate } from "../../../server/src/broker/auth-gate.ts";
import { createFailureLimiter, refill, sourceKey } from "../../../server/src/broker/failure-limiter.ts";
import { brokerLimitsFrom } from "../../../server/src/broker/limit-flags.ts";
import { defaultBrokerLimits, defaultMaxConnections } from "../../../server/src/broker/limits.ts";
import { createRefusalLog } from "../../../server/src/broker/refusal-log.ts";

function deferred(): { promise: Promise<boolean>; resolve: (v: boolean) => void } {
  let resolve!: (v: boolean) => void;
  const promise = new Promise<boolean>((r) => (resolve = r));
  return { promise, resolve };
}

describe("the password check gate", () => {
  it("runs two checks at once, queues two and refuses the fifth at once", async () => {
    const gate = createAuthGate(2, 2);
    const checks = [deferred(), deferred(), deferred(), deferred()];
    const results = checks.map((d, i) => gate.run(`10.0.0.${i}`, () => d.promise, () => true));
    expect([gate.running, gate.queued]).toEqual([2, 2]);
    expect(await gate.run("10.0.0.9", () => Promise.resolve(true), () => true)).toEqual({ ran: false, why: "busy" });
    checks.forEach((d) => d.resolve(true));
    expect(await Promise.all(results)).toEqual(checks.map(() => ({ ran: true, value: true })));
    expect([gate.running, gate.queued]).toEqual([0, 0]);
  });

  it("serves a device from elsewhere next, however many checks one address has queued", async () => {
    const gate = createAuthGate(1, 10);
    const first = deferred();
    const order: string[] = [];
    const check = (who: string) => async () => void order.push(who);
    const all: Array<Promise<unknown>> = [gate.run("storm", () => first.promise, () => true)];
    for (let i = 0; i < 10; i++) all.push(gate.run("storm", check(`storm-${i}`), () => true));
    // The queue is full of the storm: the device pushes out the storm's last waiter.
    const device = gate.run("device", check("device"), () => true);
    expect(gate.queued).toBe(10);
    first.resolve(true);
    expect(await device).toEqual({ ran: true, value: undefined });
    await Promise.all(all);
    expect(order.slice(0, 2)).toEqual(["storm-0", "device"]);
    expect(order).not.toContain("storm-9");
  });

  it("refuses a newcomer from the address that already has the most waiting", async () => {
    const gate = createAuthGate(1, 2);
    const first = deferred();
    void gate.run("a", () => first.promise, () => true);
    void gate.run("a", () => Promise.resolve(true), () => true);
    void gate.run("b", () => Promise.resolve(true), () => true);
    expect(await gate.run("a", () => Promise.resolve(true), () => true)).toEqual({ ran: false, why: "busy" });
    expect(await gate.run("c", () => Promise.resolve(true), () => true)).toEqual({ ran: false, why: "busy" });
    first.resolve(true);
  });

  it("never runs the check of a client that left while it waited", async () => {
    const gate = createAuthGate(1, 5);
    const first = deferred();
    const running = gate.run("a", () => first.promise, () => true);
    let ran = false;
    const abandoned = gate.run("b", async () => (ran = true), () => false);
    first.resolve(true);
    await running;
    expect(await abandoned).toEqual({ ran: false, why: "abandoned" });
    expect(ran).toBe(false);
  });

  it("gives the slot back when a check fails", async () => {
    const gate = createAuthGate(1, 0);
    await expect(gate.run("a", () => Promise.reject(new Error("store down")), () => true)).rejects.toThrow("store down");
    await expect(
      gate.run("a", () => {
        throw new Error("at once");
      }, () => true),
    ).rejects.toThrow("at once");
    expect(await gate.run("a", () => Promise.resolve(1), () => true)).toEqual({ ran: true, value: 1 });
  });
});

describe("the failed-login limiter", () => {
  it("refuses a source after its failures of a minute, and lets it try again as they refill", () => {
    const limiter = createFailureLimiter(3);
    for (let i = 0; i < 3; i++) {
      expect(limiter.allows("10.0.0.1", 0)).toBe(true);
      limiter.failed("10.0.0.1", 0);
    }
    expect(limiter.allows("10.0.0.1", 0)).toBe(false);
    expect(limiter.allows("10.0.0.2", 0)).toBe(true);
    expect(limiter.allows("10.0.0.1", 19_000)).toBe(false);
    expect(limiter.allows("10.0.0.1", 20_000)).toBe(true);
  });

  it("never limits a source that only succeeds, however many log in from it", () => {
    const limiter = createFailureLimiter(3);
    for (let i = 0; i < 10_000; i++) expect(limiter.allows("192.0.2.7", i)).toBe(true);
    expect(limiter.tracked).toBe(0);
  });

  it("forgets a source whose bucket is full again", () => {
    const limiter = createFailureLimiter(6);
    limiter.failed("10.0.0.1", 0);
    expect(limiter.tracked).toBe(1);
    limiter.allows("10.0.0.1", 60_000);
    expect(limiter.tracked).toBe(0);
  });

  it("keeps at most maxSources, the oldest going first", () => {
    const limiter = createFailureLimiter(1, 2);
    limiter.failed("a", 0);
    limiter.failed("b", 0);
    limiter.failed("c", 0);
    expect(limiter.tracked).toBe(2);
    expect(limiter.allows("a", 0)).toBe(true);
    expect(limiter.allows("c", 0)).toBe(false);
  });

  it("refills at perMinute, never past it", () => {
    expect(refill({ tokens: 0, at: 0 }, 30_000, 10)).toEqual({ tokens: 5, at: 30_000 });
    expect(refill({ tokens: 9, at: 0 }, 600_000, 10)).toEqual({ tokens: 10, at: 600_000 });
  });

  it.each([
    ["192.0.2.7", "192.0.2.7"],
    ["::ffff:192.0.2.7", "192.0.2.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::99", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    [undefined, "unknown"],
  ])("counts failures from %s under %s", (address, key) => {
    expect(sourceKey(address)).toBe(key);
  });
});

describe("the broker's defaults", () => {
  it("keep a thousand descriptors free under the open files limit, and at most 20,000 sockets", () => {
    expect(defaultMaxConnections(1024 * 64)).toBe(20_000);
    expect(defaultMaxConnections(20_000)).toBe(18_976);
    expect(defaultMaxConnections(1024)).toBe(64);
    expect(defaultMaxConnections(null)).toBe(20_000);
  });

  it("let an agent with a wrong password retry every 3 s without limiting its NAT", () => {
    expect(defaultBrokerLimits(65_536).authFailuresPerMinute).toBeGreaterThanOrEqual(20);
  });
});

describe("uplink-server's broker flags", () => {
  it("read flags before the environment, seconds as milliseconds, and leave the rest to the defaults", () => {
    const env = { UPLINK_MQTT_MAX_CONNECTIONS: "5000", UPLINK_MQTT_AUTH_QUEUE: "50" };
    expect(brokerLimitsFrom({ "mqtt-max-connections": "800", "mqtt-connect-timeout-s": "20" }, env)).toEqual({ maxConnections: 800, connectTimeoutMs: 20_000, authQueue: 50 });
  });

  it("refuse what is not a whole number, or a zero where zero means nothing gets in", () => {
    expect(() => brokerLimitsFrom({ "mqtt-max-connections": "lots" }, {})).toThrow(/--mqtt-max-connections/);
    expect(() => brokerLimitsFrom({ "mqtt-auth-concurrency": "0" }, {})).toThrow(/at least 1/);
    expect(brokerLimitsFrom({ "mqtt-auth-failures-per-minute": "0" }, {})).toEqual({ authFailuresPerMinute: 0 });
  });
});

describe("the refusal log", () => {
  it("logs the first of a kind, then counts the rest of its window into the next line", () => {
    const log = createRefusalLog(1000);
    expect(log.admit("connect/bad-password", 0)).toEqual({ suppressed: 0 });
    expect(log.admit("connect/bad-password", 10)).toBeNull();
    expect(log.admit("connect/bad-password", 20)).toBeNull();
    expect(log.admit("socket/oversized-packet", 20)).toEqual({ suppressed: 0 });
    expect(log.admit("connect/bad-password", 1000)).toEqual({ suppressed: 2 });
  });
});
