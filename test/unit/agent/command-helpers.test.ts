import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolvConfText, resolvManager } from "../../../agent/src/commands/dns-repair.ts";
import { leaseFromUdhcpc } from "../../../agent/src/commands/lease-store.ts";
import { pingSummary } from "../../../agent/src/commands/ping.ts";
import { modemVendor, USBNET_QMI_AT } from "../../../agent/src/commands/usbnet-qmi.ts";
import { throttledFlags } from "../../../agent/src/runtime/heartbeat.ts";

const fixture = (path: string) => readFileSync(join(import.meta.dirname, "../../fixtures", path), "utf8");
const now = new Date("2025-01-01T00:00:00Z");

describe("the lease dhcp.renew records", () => {
  it.each([
    ["udhcpc/busybox-1.35-script-lease-wwan0.txt", "wwan0", { ip: "100.67.169.178", router: "100.67.169.177", dns: ["8.8.8.8", "1.1.1.1"], prefixLen: 30, leaseTimeS: 7200 }],
    ["udhcpc/busybox-1.35-script-lease-wlan0.txt", "wlan0", { ip: "10.41.108.30", router: "10.41.108.1", prefixLen: 24, leaseTimeS: 600 }],
    ["udhcpc/busybox-1.35-lease-wlan0.txt", "wlan0", { ip: "10.41.108.30", server: "10.41.108.1", dns: [] }],
  ])("reads %s", (path, iface, expected) => {
    expect(leaseFromUdhcpc(fixture(path), iface, now)).toMatchObject({ iface, ...expected });
  });

  it("finds no lease when udhcpc failed", () => {
    expect(leaseFromUdhcpc(fixture("udhcpc/busybox-1.35-no-server.txt"), "wwan0", now)).toBeNull();
  });
});

describe("the AT command usbnet.qmi sends", () => {
  it.each([
    ["lsusb/clockworkpi-uconsole-sim7600g.txt", "AT+CUSBPIDSWITCH=9001,1,1"],
    ["lsusb/industrialshields-sim7600g-h-ecm-9018.txt", "AT+CUSBPIDSWITCH=9001,1,1"],
  ])("picks SIMCom's switch for %s", (path, at) => {
    const vendor = modemVendor(fixture(path));
    expect(vendor && USBNET_QMI_AT[vendor]?.at).toBe(at);
  });

  it("picks Quectel's usbnet 0 (QMI) for vendor 2c7c", () => {
    expect(USBNET_QMI_AT[modemVendor("Bus 001 Device 003: ID 2c7c:0125 Quectel Wireless Solutions Co., Ltd. EC25 LTE modem")!]?.at).toBe('AT+QCFG="usbnet",0');
  });

  it("finds no modem it can switch on a Pi with a Huawei stick", () => {
    expect(modemVendor(fixture("lsusb/rpi-stackexchange-140269-pi4-huawei.txt"))).toBeNull();
  });
});

describe("who owns resolv.conf", () => {
  it.each([
    [null, "file"],
    ["../run/systemd/resolve/stub-resolv.conf", "systemd-resolved"],
    ["/run/systemd/resolve/resolv.conf", "systemd-resolved"],
    ["/run/resolvconf/resolv.conf", "resolvconf"],
    ["/etc/resolvconf/run/resolv.conf", "resolvconf"],
    ["/etc/resolv.conf.static", "file"],
  ] as const)("a symlink to %s is %s's", (target, manager) => {
    expect(resolvManager(target)).toBe(manager);
  });

  it("keeps search and options lines when it rewrites the file", () => {
    const text = resolvConfText(fixture("resolv-conf/apicast-617-networkmanager.txt"), ["8.8.8.8"], "T");
    expect(text).toMatch(/nameserver 8\.8\.8\.8\n$/);
    expect(text.split("\n").filter((l) => l.startsWith("nameserver"))).toEqual(["nameserver 8.8.8.8"]);
  });
});

describe("figures the agent reads from outputs", () => {
  it("reads loss and round trip of a ping", () => {
    expect(pingSummary(fixture("ping/iputils-20221126-wlan0-gateway.txt"))).toMatchObject({ lossPct: 0 });
    expect(pingSummary(fixture("ping/iputils-20221126-total-loss.txt"))).toMatchObject({ lossPct: 100 });
  });

  it("reads the Pi's under-voltage and throttle bits", () => {
    expect(throttledFlags(fixture("vcgencmd/rpi3-under-voltage-and-throttled-now.txt"))).toEqual({ underVoltageNow: true, throttledNow: true, underVoltageOccurred: true });
  });
});
