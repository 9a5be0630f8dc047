import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ipAddrFactsSchema, ipAddrKind, parseIpAddr } from "../../../agent/src/parse/ip-addr.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip-addr/${name}`, import.meta.url), "utf8");

describe("ip addr parser", () => {
  it.each([
    {
      name: "debian12-iproute2-6.1-wlan0-wwan0-json.txt",
      why: "reads wwan0's 100.67.169.178/30 from ip -j addr, forever as null",
      ifname: "wwan0",
      expected: { up: true, lowerUp: true, addresses: expect.arrayContaining([
        { family: "inet", local: "100.67.169.178", prefixlen: 30, scope: "global", dynamic: false, validLftS: null },
      ]) },
    },
    {
      name: "debian12-iproute2-6.1-wlan0-wwan0.txt",
      why: "reads wlan0's address from the text form",
      ifname: "wlan0",
      expected: { up: true, lowerUp: true, operstate: "UP", addresses: [
        { family: "inet", local: "10.41.108.30", prefixlen: 24, scope: "global", dynamic: false, validLftS: null },
      ] },
    },
    {
      name: "debian12-iproute2-6.1-wwan0-ipv4.txt",
      why: "reads ip -4 addr show wwan0",
      ifname: "wwan0",
      expected: { index: 3, addresses: [{ family: "inet", local: "100.67.169.178", prefixlen: 30 }] },
    },
    {
      name: "debian12-tun-wwan0-no-carrier.txt",
      why: "reports an address on a wwan0 without carrier",
      ifname: "wwan0",
      expected: { up: true, lowerUp: false, operstate: "DOWN", linkType: "link/none", addresses: [{ local: "100.67.169.178", prefixlen: 30 }] },
    },
    {
      name: "debian12-tun-wwan0-no-carrier-json.txt",
      why: "reads the same from JSON",
      ifname: "wwan0",
      expected: { lowerUp: false, linkType: "link/none", addresses: [{ local: "100.67.169.178", prefixlen: 30, validLftS: null }] },
    },
    {
      name: "raspap-1570-pi-eth0-dynamic.txt",
      why: "reads a dhcpcd lease as dynamic with its remaining lifetime",
      ifname: "eth0",
      expected: { addresses: [
        { family: "inet", local: "192.168.1.177", prefixlen: 24, broadcast: "192.168.1.255", scope: "global", dynamic: true, validLftS: 86182 },
        { family: "inet6", local: "2601:441:8301:9d72:204f:8734:36f5:6dde", prefixlen: 64, dynamic: true, validLftS: 234441 },
        { family: "inet6", local: "fe80::76f3:8de2:2d10:f6a", prefixlen: 64, scope: "link", validLftS: null },
      ] },
    },
    {
      name: "homebridge-117-pi1-wlan0-no-carrier.txt",
      why: "reports a Pi's wlan0 that is UP with NO-CARRIER and no address",
      ifname: "wlan0",
      expected: { up: true, lowerUp: false, operstate: "DOWN", addresses: [] },
    },
  ])("$why ($name)", ({ name, ifname, expected }) => {
    const result = parseIpAddr(fixture(name));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(ipAddrFactsSchema.safeParse(result.facts).success).toBe(true);
    expect(result.facts.interfaces.find((i) => i.ifname === ifname)).toMatchObject(expected);
  });

  it("reports a missing interface as an error fact", () => {
    expect(parseIpAddr(fixture("debian12-no-such-device.txt"))).toEqual({
      ok: true,
      facts: { interfaces: [], error: { message: 'Device "wwan0" does not exist.' } },
    });
  });

  it("takes a peer's prefix for a point-to-point address", () => {
    const text = "5: ppp0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UNKNOWN group default qlen 3\n    link/ppp \n    inet 10.64.64.64 peer 10.112.112.112/32 scope global ppp0\n       valid_lft forever preferred_lft forever\n";
    const result = parseIpAddr(text);
    expect(result.ok && result.facts.interfaces[0]?.addresses[0]).toMatchObject({ local: "10.64.64.64", prefixlen: 32 });
  });

  it.each([
    ["empty text", ""],
    ["qmicli output", "[/dev/cdc-wdm0] Current settings retrieved:\n\tIPv4 address: 100.67.169.178\n"],
    ["random text", "lorem ipsum"],
    ["ip route output", "default via 10.41.108.1 dev wlan0 metric 100\n"],
  ])("rejects %s as not ip addr output", (_what, text) => {
    expect(parseIpAddr(text).ok).toBe(false);
  });

  it("is registered as ip.addr", () => {
    expect(ipAddrKind.kind).toBe("ip.addr");
  });
});
