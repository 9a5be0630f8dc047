import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ipLinkFactsSchema, ipLinkKind, parseIpLink } from "../../../agent/src/parse/ip-link.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip-link/${name}`, import.meta.url), "utf8");

describe("ip link parser", () => {
  it.each([
    {
      name: "debian12-iproute2-6.1-wlan0-wwan0-json.txt",
      why: "reads wlan0 and wwan0 up with carrier from ip -j link",
      ifname: "wwan0",
      expected: { index: 3, up: true, lowerUp: true, operstate: "UP", mtu: 1500, linkType: "link/ether", qdisc: "noqueue" },
    },
    {
      name: "debian12-iproute2-6.1-wlan0-wwan0.txt",
      why: "reads the same links from the text form, ignoring the @ifN peer suffix",
      ifname: "wlan0",
      expected: { index: 2, up: true, lowerUp: true, operstate: "UP", mtu: 1500, linkType: "link/ether" },
    },
    {
      name: "debian12-tun-wwan0-no-carrier-json.txt",
      why: "reports a raw-IP style wwan0 that is UP without LOWER_UP (no carrier)",
      ifname: "wwan0",
      expected: { up: true, lowerUp: false, operstate: "DOWN", linkType: "link/none", flags: ["NO-CARRIER", "POINTOPOINT", "MULTICAST", "NOARP", "UP"] },
    },
    {
      name: "debian12-tun-wwan0-no-carrier.txt",
      why: "reads link/none without an address from the text form",
      ifname: "wwan0",
      expected: { up: true, lowerUp: false, operstate: "DOWN", linkType: "link/none", qdisc: "pfifo_fast" },
    },
    {
      name: "systemd-27219-raw-ip-link-none.txt",
      why: "reads a qmi_wwan raw-IP link (POINTOPOINT,NOARP, state UNKNOWN) behind a prompt line",
      ifname: "wwp0s20f0u1i4",
      expected: { index: 47, up: true, lowerUp: true, operstate: "UNKNOWN", linkType: "link/none" },
    },
    {
      name: "jishuzhan-cellular-wwan0-link-ppp.txt",
      why: "reads a published listing whose link/ lines lost their indentation",
      ifname: "wwan0",
      expected: { index: 4, up: true, lowerUp: true, operstate: "UNKNOWN", linkType: "link/ppp" },
    },
  ])("$why ($name)", ({ name, ifname, expected }) => {
    const result = parseIpLink(fixture(name));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(ipLinkFactsSchema.safeParse(result.facts).success).toBe(true);
    const link = result.facts.links.find((l) => l.ifname === ifname);
    expect(link).toMatchObject(expected);
  });

  it("reports a missing interface as an error fact", () => {
    const result = parseIpLink(fixture("debian12-no-such-device.txt"));
    expect(result).toEqual({ ok: true, facts: { links: [], error: { message: 'Device "wwan0" does not exist.' } } });
  });

  it("lists every interface of a full listing in order", () => {
    const result = parseIpLink(fixture("jishuzhan-cellular-wwan0-link-ppp.txt"));
    expect(result.ok && result.facts.links.map((l) => l.ifname)).toEqual(["lo", "eth0", "wlan0", "wwan0"]);
  });

  it.each([
    ["empty text", ""],
    ["qmicli output", "[/dev/cdc-wdm0] Successfully got data format\n   Link layer protocol: 'raw-ip'\n"],
    ["random text", "hello world\nnothing to see"],
    ["JSON that is not ip's", '[{"foo": 1}]'],
    ["broken JSON", "[{"],
  ])("rejects %s as not ip link output", (_what, text) => {
    expect(parseIpLink(text).ok).toBe(false);
  });

  it("is registered as ip.link", () => {
    expect(ipLinkKind.kind).toBe("ip.link");
  });
});
