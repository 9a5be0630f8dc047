import { describe, expect, it } from "vitest";
import { createAuthLimiter, sourceKey } from "../../../server/src/api/auth-limiter.ts";

describe("the failed-authentication limiter", () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it("allows a burst of 10 failures, then one a second, telling how long to wait", () => {
    const c = clock();
    const l = createAuthLimiter({ burst: 10, perSecond: 1 }, c.now);
    for (let i = 0; i < 10; i++) expect(l.take("192.0.2.1")).toBe(0);
    expect(l.take("192.0.2.1")).toBe(1);
    expect(l.limitedSources()).toBe(1);
    c.advance(1000);
    expect(l.take("192.0.2.1")).toBe(0);
    expect(l.take("192.0.2.1")).toBe(1);
    c.advance(60_000);
    expect(l.limitedSources()).toBe(0);
  });

  it("a successful attempt is refunded: valid requests never drain the bucket", () => {
    const l = createAuthLimiter({ burst: 2, perSecond: 1 }, () => 0);
    for (let i = 0; i < 100; i++) {
      expect(l.take("192.0.2.1")).toBe(0);
      l.refund("192.0.2.1");
    }
  });

  it("remembers tokens that passed, by digest, for ten minutes", () => {
    const c = clock();
    const l = createAuthLimiter(undefined, c.now);
    l.rememberValid("upl_abc_secret");
    expect(l.knownValid("upl_abc_secret")).toBe(true);
    expect(l.knownValid("upl_abc_other")).toBe(false);
    c.advance(10 * 60_000 + 1);
    expect(l.knownValid("upl_abc_secret")).toBe(false);
  });

  it("counts an IPv6 source by its /64 and an IPv4-mapped one as IPv4", () => {
    expect(sourceKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(sourceKey("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(sourceKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(sourceKey("::1")).toBe("0:0:0:0::/64");
    expect(sourceKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(sourceKey("192.0.2.7")).toBe("192.0.2.7");
  });
});
