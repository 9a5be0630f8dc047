import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseResolvConf, resolvConfFactsSchema, resolvConfKind } from "../../../agent/src/parse/resolv-conf.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/resolv-conf/${name}`, import.meta.url), "utf8");

describe("resolv.conf parser", () => {
  it.each([
    {
      name: "debian12-systemd-252-static.txt",
      why: "recognises systemd-resolved's file and its stub nameserver",
      expected: { nameservers: ["127.0.0.53"], search: ["."], managedBy: "systemd-resolved", options: ["edns0", "trust-ad"] },
    },
    {
      name: "rpi-distro-244-openresolv.txt",
      why: "recognises the resolvconf header Raspberry Pi OS writes",
      expected: { nameservers: ["127.0.0.1"], search: [], managedBy: "resolvconf" },
    },
    {
      name: "apicast-617-networkmanager.txt",
      why: "recognises NetworkManager below another comment",
      expected: { nameservers: ["10.0.101.97"], search: ["ec2.internal", "cluster.local"], managedBy: "NetworkManager" },
    },
    {
      name: "bookworm-feedback-94-netboot.txt",
      why: "reports no manager for a file without header, search winning over domain",
      expected: { nameservers: ["192.168.66.4"], search: ["home.arpa"], managedBy: null },
    },
    {
      name: "empty-file.txt",
      why: "accepts an empty file as no nameservers",
      expected: { nameservers: [], search: [], managedBy: null },
    },
  ])("$why ($name)", ({ name, expected }) => {
    const result = parseResolvConf(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(resolvConfFactsSchema.safeParse(result.facts).success).toBe(true);
  });

  it("reads the field guide's pinned file", () => {
    const result = parseResolvConf("nameserver 8.8.8.8\nnameserver 1.1.1.1\n");
    expect(result).toEqual({ ok: true, facts: { nameservers: ["8.8.8.8", "1.1.1.1"], search: [], managedBy: null } });
  });

  it.each([
    ["qmicli output", "[/dev/cdc-wdm0] Successfully got data format\n"],
    ["random text", "hello there"],
    ["ip route output", "default via 10.41.108.1 dev wlan0 metric 100\n"],
  ])("rejects %s as not resolv.conf", (_what, text) => {
    expect(parseResolvConf(text).ok).toBe(false);
  });

  it("is registered as resolv.conf", () => {
    expect(resolvConfKind.kind).toBe("resolv.conf");
  });
});
