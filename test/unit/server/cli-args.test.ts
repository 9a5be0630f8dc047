import { describe, expect, it } from "vitest";
import { commandArgs, splitArgv, UsageError } from "../../../server/src/cli/command-args.ts";
import { table } from "../../../server/src/cli/format.ts";

describe("the CLI's arguments", () => {
  it.each([
    ["dhcp.renew", [["iface", "wlan0"]], { iface: "wlan0" }],
    ["ping", [["target", "8.8.8.8"], ["count", "3"]], { target: "8.8.8.8", count: 3 }],
    ["route.replace", [["iface", "wwan0"], ["metric", "50"]], { iface: "wwan0", metric: 50 }],
    ["dns.repair", [["nameservers", "1.1.1.1"], ["nameservers", "9.9.9.9"]], { nameservers: ["1.1.1.1", "9.9.9.9"] }],
    ["dns.repair", [["nameservers", "1.1.1.1,9.9.9.9"]], { nameservers: ["1.1.1.1", "9.9.9.9"] }],
    ["qmi.restart", [["apn", "internet"]], { apn: "internet" }],
  ] as const)("reads %s %j as the catalog wants it", (name, pairs, expected) => {
    expect(commandArgs(name, pairs as unknown as Array<[string, string]>)).toEqual(expected);
  });

  it("splits positionals, options and flags", () => {
    expect(splitArgv(["run", "pi-1", "ping", "--target", "1.1.1.1", "--wait", "--count=2"], new Set(["wait"]))).toEqual({
      positionals: ["run", "pi-1", "ping"],
      options: [["target", "1.1.1.1"], ["count", "2"]],
      flags: new Set(["wait"]),
    });
  });

  it("refuses an option without a value", () => {
    expect(() => splitArgv(["--server"], new Set())).toThrow(UsageError);
  });

  it("aligns a table", () => {
    expect(table(["A", "BB"], [["xxx", "y"]])).toBe("A    BB\nxxx  y\n");
  });
});
