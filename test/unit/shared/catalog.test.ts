import { describe, expect, it } from "vitest";
import { catalog, checkCommand, COMMAND_NAMES, lockKey } from "@uplink/shared";

describe("command catalog", () => {
  it("has every command the field guide needs", () => {
    expect(COMMAND_NAMES).toEqual(
      expect.arrayContaining([
        "diagnose", "dhcp.renew", "qmi.restart", "link.up", "route.replace",
        "dns.repair", "link.prefer", "modem.reset", "ping", "usbnet.qmi",
      ]),
    );
  });

  it.each(Object.values(catalog))("$name has a timeout and a resource", (spec) => {
    expect(spec.timeoutMs).toBeGreaterThan(0);
    expect([null, "link", "modem", "routing", "dns"]).toContain(spec.resource);
  });

  it("marks the commands that can cut the device off as risky", () => {
    const risky = COMMAND_NAMES.filter((n) => catalog[n].risky).sort();
    expect(risky).toEqual(["link.prefer", "modem.reset", "route.replace", "usbnet.qmi"]);
  });

  it("accepts valid args and fills defaults", () => {
    expect(checkCommand("ping", { target: "8.8.8.8" })).toEqual({
      ok: true,
      name: "ping",
      args: { target: "8.8.8.8", count: 3 },
    });
  });

  it("rejects an unknown command as unsupported", () => {
    expect(checkCommand("rm -rf /", {})).toMatchObject({ ok: false, reason: "unsupported" });
    expect(checkCommand(42, {})).toMatchObject({ ok: false, reason: "unsupported" });
  });

  it.each([
    ["a shell string as interface", "link.up", { iface: "wlan0; reboot" }],
    ["an interface name longer than IFNAMSIZ", "dhcp.renew", { iface: "a".repeat(16) }],
    ["a host name with a space", "ping", { target: "8.8.8.8 -f" }],
    ["an option as target", "ping", { target: "-f" }],
    ["a gateway that is not IPv4", "route.replace", { iface: "wwan0", gateway: "evil" }],
    ["an unknown argument", "diagnose", { extra: 1 }],
    ["a device outside /dev/cdc-wdm*", "qmi.restart", { device: "/etc/passwd" }],
    ["too many nameservers", "dns.repair", { nameservers: ["1.1.1.1", "8.8.8.8", "9.9.9.9", "8.8.4.4"] }],
  ])("rejects %s as invalid", (_, name, args) => {
    const result = checkCommand(name, args);
    expect(result).toMatchObject({ ok: false, reason: "invalid" });
  });

  it("locks a link per interface and everything else per resource", () => {
    expect(lockKey("dhcp.renew", { iface: "wwan0" })).toBe("link:wwan0");
    expect(lockKey("qmi.restart", {})).toBe("modem");
    expect(lockKey("route.replace", { iface: "wwan0" })).toBe("routing");
    expect(lockKey("diagnose", {})).toBeNull();
  });
});
