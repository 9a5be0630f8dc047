import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  parseWdsGetCurrentSettings,
  wdsGetCurrentSettingsKind,
  wdsGetCurrentSettingsSchema,
} from "../../../agent/src/parse/qmicli-wds-get-current-settings.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/qmicli/wds-get-current-settings/${name}`, import.meta.url), "utf8");

describe("qmicli --wds-get-current-settings parser", () => {
  it.each([
    {
      name: "ipv4-dw5821e-armbian-journal.txt",
      why: "reads the IPv4 bearer of a Dell DW5821e through journald prefixes",
      expected: {
        ipFamily: "ipv4",
        ipv4Address: "10.240.212.143",
        ipv4SubnetMask: "255.255.255.224",
        ipv4Gateway: "10.240.212.144",
        ipv4PrimaryDns: "10.112.248.230",
        ipv4SecondaryDns: "10.112.248.242",
        mtu: 1500,
        domains: [],
      },
    },
    {
      name: "ipv4-lf-edge-eve-docs.txt",
      why: "reads an IPv4 bearer shown in EVE's documentation, after its command line",
      expected: {
        ipFamily: "ipv4",
        ipv4Address: "10.65.17.48",
        ipv4SubnetMask: "255.255.255.224",
        ipv4Gateway: "10.65.17.49",
        ipv4PrimaryDns: "31.3.32.1",
        ipv4SecondaryDns: "37.152.96.1",
        mtu: 1500,
        domains: [],
      },
    },
  ])("$why", ({ name, expected }) => {
    const result = parseWdsGetCurrentSettings(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(wdsGetCurrentSettingsSchema.safeParse(result.facts).success).toBe(true);
  });

  it("reports OutOfCall (no data session) as an error fact", () => {
    const result = parseWdsGetCurrentSettings("error: couldn't get current settings: QMI protocol error (15): 'OutOfCall'");
    expect(result.ok && "error" in result.facts ? result.facts.error : undefined).toEqual({
      message: "couldn't get current settings: QMI protocol error (15): 'OutOfCall'",
      qmiCode: 15,
      qmiName: "OutOfCall",
    });
  });

  it.each([
    "",
    "wwan0     Link encap:Ethernet  HWaddr 02:41:05:b1:61:86\n          UP BROADCAST RUNNING MULTICAST  MTU:1430  Metric:1",
    "\u0000\u00ff\u0013garbage",
  ])("says %j is not its output", (text) => {
    expect(wdsGetCurrentSettingsKind.parse(text).ok).toBe(false);
  });
});
