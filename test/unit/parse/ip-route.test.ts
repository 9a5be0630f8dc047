import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ipRouteFactsSchema, ipRouteKind, parseIpRoute } from "../../../agent/src/parse/ip-route.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip-route/${name}`, import.meta.url), "utf8");

const wifiAnd4g = [
  { dst: "default", gateway: "10.41.108.1", dev: "wlan0", metric: 100 },
  { dst: "default", gateway: "100.67.169.177", dev: "wwan0", metric: 700 },
  { dst: "10.41.108.0/24", dev: "wlan0", protocol: "kernel", scope: "link", src: "10.41.108.30" },
  { dst: "100.67.169.176/30", dev: "wwan0", protocol: "kernel", scope: "link", src: "100.67.169.178" },
];

describe("ip route parser", () => {
  it.each([
    { name: "debian12-wifi-and-4g.txt", why: "reads Wi-Fi (metric 100) and 4G (metric 700) default routes", expected: wifiAnd4g },
    { name: "debian12-wifi-and-4g-json.txt", why: "reads the same table from ip -j route", expected: wifiAnd4g },
    {
      name: "debian12-4g-only.txt",
      why: "reads a table where only the 4G default route is left",
      expected: [{ dst: "default", gateway: "100.67.169.177", dev: "wwan0", metric: 700 }, wifiAnd4g[2], wifiAnd4g[3]],
    },
    {
      name: "iiab-642-rpi3-wlan0.txt",
      why: "reads a Pi's dhcpcd routes behind a prompt line",
      expected: [
        { dst: "default", gateway: "192.168.0.1", dev: "wlan0", src: "192.168.0.102", metric: 303 },
        { dst: "169.254.0.0/16", dev: "br0", protocol: "kernel", scope: "link", src: "169.254.38.92", metric: 204 },
        { dst: "192.168.0.0/24", dev: "wlan0", protocol: "kernel", scope: "link", src: "192.168.0.102", metric: 303 },
      ],
    },
    {
      name: "raspap-1277-pi4-wwan0-default.txt",
      why: "reads a wwan0 default route without metric or src",
      expected: [{ dst: "default", gateway: "10.182.35.145", dev: "wwan0" }],
    },
    {
      name: "raspap-1570-pi-eth0-dhcp.txt",
      why: "reads proto dhcp",
      expected: [
        { dst: "default", gateway: "192.168.1.1", dev: "eth0", protocol: "dhcp", src: "192.168.1.177", metric: 100 },
        { dst: "192.168.1.0/24", dev: "eth0", protocol: "kernel", scope: "link", src: "192.168.1.177", metric: 100 },
      ],
    },
    {
      name: "wicked-842-wired-and-wifi-metrics.txt",
      why: "reads two default routes told apart by metric, with trailing spaces",
      expected: [
        { dst: "default", gateway: "192.168.1.1", dev: "enp0s25", protocol: "dhcp", metric: 100 },
        { dst: "default", gateway: "192.168.1.1", dev: "wlp3s0", protocol: "dhcp", metric: 500 },
        { dst: "192.168.1.0/24", dev: "enp0s25", protocol: "kernel", scope: "link", src: "192.168.1.169" },
        { dst: "192.168.1.0/24", dev: "wlp3s0", protocol: "kernel", scope: "link", src: "192.168.1.238" },
      ],
    },
  ])("$why ($name)", ({ name, expected }) => {
    const result = parseIpRoute(fixture(name));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(ipRouteFactsSchema.safeParse(result.facts).success).toBe(true);
    expect(result.facts.routes).toEqual(expected);
  });

  it.each([
    ["empty text", ""],
    ["qmicli output", "[/dev/cdc-wdm0] Connection status: 'connected'\n"],
    ["random text", "the quick brown fox\njumps over"],
    ["ip route get's error", "RTNETLINK answers: Network is unreachable\n"],
  ])("rejects %s as not ip route output", (_what, text) => {
    expect(parseIpRoute(text).ok).toBe(false);
  });

  it("is registered as ip.route", () => {
    expect(ipRouteKind.kind).toBe("ip.route");
  });
});
