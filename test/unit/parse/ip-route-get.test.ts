import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ipRouteGetFactsSchema, ipRouteGetKind, parseIpRouteGet } from "../../../agent/src/parse/ip-route-get.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip-route-get/${name}`, import.meta.url), "utf8");

describe("ip route get parser", () => {
  it.each([
    {
      name: "debian12-via-wlan0.txt",
      why: "reports that Wi-Fi carries the traffic while its route has the lower metric",
      expected: { dst: "8.8.8.8", gateway: "10.41.108.1", dev: "wlan0", src: "10.41.108.30" },
    },
    {
      name: "debian12-via-wlan0-json.txt",
      why: "reads the same from ip -j route get",
      expected: { dst: "8.8.8.8", gateway: "10.41.108.1", dev: "wlan0", src: "10.41.108.30" },
    },
    {
      name: "debian12-via-wwan0.txt",
      why: "reports the 4G link once the Wi-Fi default route is gone",
      expected: { dst: "8.8.8.8", gateway: "100.67.169.177", dev: "wwan0", src: "100.67.169.178" },
    },
    {
      name: "openwrt-packages-14758-uid0.txt",
      why: "reads a route with uid 0 between prompt lines",
      expected: { dst: "1.1.1.1", gateway: "174.27.160.1", dev: "eth3", src: "174.27.182.184" },
    },
    {
      name: "jackpal-gateway-17-android.txt",
      why: "reads old iproute2's double-spaced fields",
      expected: { dst: "8.8.8.8", gateway: "10.0.1.1", dev: "eth0", src: "10.0.1.36" },
    },
    {
      name: "debian12-no-default-route.txt",
      why: "reports no route as an error fact",
      expected: { error: { message: "RTNETLINK answers: Network is unreachable" } },
    },
    {
      name: "debian12-json-unreachable.txt",
      why: "reports the error that ip -j prints as text too",
      expected: { error: { message: "RTNETLINK answers: Network is unreachable" } },
    },
    {
      name: "debian12-bad-prefix.txt",
      why: "reports iproute2's Error: line as an error fact",
      expected: { error: { message: 'Error: any valid prefix is expected rather than "not-an-address".' } },
    },
  ])("$why ($name)", ({ name, expected }) => {
    const result = parseIpRouteGet(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(ipRouteGetFactsSchema.safeParse(result.facts).success).toBe(true);
  });

  it.each([
    ["empty text", ""],
    ["qmicli output", "[/dev/cdc-wdm0] Successfully got packet service status\n"],
    ["random text", "nothing here"],
    ["a route table", "default via 10.41.108.1 dev wlan0 metric 100\n"],
  ])("rejects %s as not ip route get output", (_what, text) => {
    expect(parseIpRouteGet(text).ok).toBe(false);
  });

  it("is registered as ip.route-get", () => {
    expect(ipRouteGetKind.kind).toBe("ip.route-get");
  });
});
