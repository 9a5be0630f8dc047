import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dmesgFactsSchema, dmesgKind, parseDmesg } from "../../../agent/src/parse/dmesg.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/dmesg/${name}`, import.meta.url), "utf8");

describe("dmesg parser", () => {
  it.each([
    {
      name: "botletics-15-sim7000-1e0e-9001-enumeration.txt",
      why: "sees a 1e0e:9001 SIMCom modem enumerate and keeps its USB path's events",
      lines: 14,
      expected: { simcomModemSeen: true, qmiWwanBound: false, cdcWdmPresent: false, underVoltage: false, usbDisconnects: 0 },
      lastSimcomEvent: "option 1-2:1.1: GSM modem (1-port) converter detected",
    },
    {
      name: "sixfab-rpishields-7-rpi3-qmi-wwan-registered.txt",
      why: "reports qmi_wwan bound to wwan0 with cdc-wdm0 on a Pi 3",
      lines: 9,
      expected: { qmiWwanBound: true, qmiWwanInterface: "wwan0", cdcWdmPresent: true, simcomModemSeen: false },
    },
    {
      name: "openmptcprouter-3761-qmi-wwan-register-disconnect.txt",
      why: "reports qmi_wwan unbound after its USB device disconnected",
      lines: 8,
      expected: { qmiWwanBound: false, qmiWwanInterface: "wwan2", cdcWdmPresent: false, usbDisconnects: 1 },
    },
    {
      name: "dietpi-3225-rpi-under-voltage.txt",
      why: "counts the Pi's Under-voltage detected! lines",
      lines: 20,
      expected: { underVoltage: true, underVoltageCount: 9 },
    },
    {
      name: "raspberrypi-linux-5584-pi4-hwmon-undervoltage-human.txt",
      why: "reads dmesg -H and the hwmon driver's Undervoltage spelling",
      lines: 8,
      expected: { underVoltage: true, underVoltageCount: 4 },
    },
    {
      name: "raspberrypi-linux-897-pi2-syslog-kernel.txt",
      why: "reads kernel lines from syslog with their monotonic stamps",
      lines: 13,
      expected: { underVoltage: false, usbDisconnects: 0, qmiWwanBound: false },
    },
  ])("$why ($name)", ({ name, lines, expected, lastSimcomEvent }) => {
    const result = parseDmesg(fixture(name));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(dmesgFactsSchema.safeParse(result.facts).success).toBe(true);
    expect(result.facts.lines).toHaveLength(lines);
    expect(result.facts).toMatchObject(expected);
    if (lastSimcomEvent) expect(result.facts.simcomModemEvents.at(-1)?.message).toBe(lastSimcomEvent);
  });

  it("keeps the monotonic time of each line", () => {
    const result = parseDmesg(fixture("raspberrypi-linux-897-pi2-syslog-kernel.txt"));
    expect(result.ok && result.facts.lines[0]).toEqual({
      timeS: 63243.885539,
      message: "usb 1-1.1: new high-speed USB device number 6 using dwc_otg",
    });
  });

  it("reads dmesg -T wall-clock stamps without a monotonic time", () => {
    const result = parseDmesg("[Wed Nov 25 02:54:20 2026] usb 1-1.3: USB disconnect, device number 4\n");
    expect(result).toMatchObject({ ok: true, facts: { lines: [{ message: "usb 1-1.3: USB disconnect, device number 4" }], usbDisconnects: 1 } });
  });

  it.each([
    ["empty text", ""],
    ["qmicli output", "[/dev/cdc-wdm0] Successfully got signal strength\nCurrent:\n\tNetwork 'lte': '-69 dBm'\n"],
    ["random text", "nothing\nto\nsee"],
  ])("rejects %s as not a kernel log", (_what, text) => {
    expect(parseDmesg(text).ok).toBe(false);
  });

  it("reads the modem leaving: a USB disconnect of its path, its qmi_wwan unregistered", () => {
    const parsed = parseDmesg(fixture("openmptcprouter-3761-qmi-wwan-register-disconnect.txt"));
    expect(parsed.ok && parsed.facts).toMatchObject({ modemGone: true, modemGoneHow: "usb-disconnect", qmiWwanBound: false });
    const bound = parseDmesg(fixture("sixfab-rpishields-7-rpi3-qmi-wwan-registered.txt"));
    expect(bound.ok && bound.facts.modemGone).toBe(false);
  });

  it("reads dmesg -t and journalctl -k -o cat (no stamps, no prefixes) as the same log", () => {
    const stamped = fixture("openmptcprouter-3761-qmi-wwan-register-disconnect.txt");
    const bare = parseDmesg(stamped.replace(/^\[[^\]]*\]\s?/gm, ""));
    const withStamps = parseDmesg(stamped);
    expect(bare.ok).toBe(true);
    if (!bare.ok || !withStamps.ok) return;
    expect(bare.facts.lines.map((l) => l.message)).toEqual(withStamps.facts.lines.map((l) => l.message));
    expect(bare.facts.modemGone).toBe(true);
  });

  it("reads OpenWrt logread's `kern.info kernel: [stamp]` prefix", () => {
    const parsed = parseDmesg(fixture("openmptcprouter-4261-rm500q-logread-kern-info.txt"));
    expect(parsed.ok && parsed.facts.lines[0]).toEqual({ timeS: 412.463921, message: "usb 1-1.3: new high-speed USB device number 7 using dwc2" });
  });

  it.each([
    ["udhcpc's output", "../udhcpc/busybox-1.35-no-server.txt"],
    ["lsusb's output, which names the same modem", "../lsusb/clockworkpi-uconsole-sim7600g.txt"],
    ["a qmicli error", "../qmicli/dms-get-ids/error-no-device-simulated-sim7600g-h-libqmi-1.32.2.txt"],
    ["qmi-network's journal lines", "../qmi-network/start-success-dw5821e-armbian-journal.txt"],
  ])("refuses %s", (_what, path) => {
    expect(parseDmesg(fixture(path)).ok).toBe(false);
  });

  it("is registered as dmesg", () => {
    expect(dmesgKind.kind).toBe("dmesg");
  });
});
