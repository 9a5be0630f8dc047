import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePing, pingFactsSchema, pingKind } from "../../../agent/src/parse/ping.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ping/${name}`, import.meta.url), "utf8");

describe("ping parser", () => {
  it.each([
    {
      name: "iputils-20221126-wlan0-gateway.txt",
      why: "reads iputils statistics and round-trip times",
      expected: { target: "10.41.108.1", transmitted: 3, received: 3, lossPercent: 0, rttMinMs: expect.any(Number), rttAvgMs: expect.any(Number), rttMaxMs: expect.any(Number) },
    },
    {
      name: "busybox-1.35-wwan0-gateway.txt",
      why: "reads BusyBox's `packets received` and round-trip line",
      expected: { target: "100.67.169.177", transmitted: 3, received: 3, lossPercent: 0, rttMinMs: expect.any(Number), rttAvgMs: expect.any(Number), rttMaxMs: expect.any(Number) },
    },
    {
      name: "wicked-940-iputils-wwan0.txt",
      why: "reads a published 4G ping through wwan0",
      expected: { target: "8.8.8.8", transmitted: 2, received: 2, lossPercent: 0, rttMinMs: 367.509, rttAvgMs: 432.933, rttMaxMs: 498.358 },
    },
    {
      name: "iputils-20221126-total-loss.txt",
      why: "reports total loss without round-trip times",
      expected: { target: "10.41.108.99", transmitted: 3, received: 0, lossPercent: 100 },
    },
    {
      name: "iputils-20221126-network-unreachable.txt",
      why: "reports iputils' connect failure as an error fact",
      expected: { transmitted: 0, received: 0, lossPercent: 100, error: { message: "ping: connect: Network is unreachable" } },
    },
    {
      name: "busybox-1.35-network-unreachable.txt",
      why: "reports BusyBox's sendto failure as an error fact",
      expected: { target: "8.8.8.8", transmitted: 0, received: 0, lossPercent: 100, error: { message: "ping: sendto: Network is unreachable" } },
    },
    {
      name: "iputils-20221126-no-such-interface.txt",
      why: "reports a missing interface as an error fact",
      expected: { transmitted: 0, received: 0, lossPercent: 100, error: { message: "ping: SO_BINDTODEVICE wwan1: No such device" } },
    },
    {
      name: "iputils-20221126-unknown-host.txt",
      why: "reports a failed name lookup as an error fact with its target",
      expected: { target: "no-such-host.invalid", transmitted: 0, received: 0, lossPercent: 100, error: { message: "ping: no-such-host.invalid: Temporary failure in name resolution" } },
    },
    {
      name: "busybox-1.35-bad-address.txt",
      why: "reports BusyBox's bad address as an error fact with its target",
      expected: { target: "no-such-host.invalid", transmitted: 0, received: 0, lossPercent: 100, error: { message: "ping: bad address 'no-such-host.invalid'" } },
    },
  ])("$why ($name)", ({ name, expected }) => {
    const result = parsePing(fixture(name));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(pingFactsSchema.safeParse(result.facts).success).toBe(true);
    expect(result.facts).toEqual(expected);
  });

  it("orders min <= avg <= max in a captured run", () => {
    const result = parsePing(fixture("iputils-20221126-wlan0-gateway.txt"));
    if (!result.ok) throw new Error(result.error);
    expect(result.facts.rttMinMs!).toBeLessThanOrEqual(result.facts.rttAvgMs!);
    expect(result.facts.rttAvgMs!).toBeLessThanOrEqual(result.facts.rttMaxMs!);
  });

  it.each([
    ["empty text", ""],
    ["qmicli output", "[/dev/cdc-wdm0] Successfully got packet service status\n"],
    ["random text", "pong"],
  ])("rejects %s as not ping output", (_what, text) => {
    expect(parsePing(text).ok).toBe(false);
  });

  it("is registered as ping", () => {
    expect(pingKind.kind).toBe("ping");
  });
});
