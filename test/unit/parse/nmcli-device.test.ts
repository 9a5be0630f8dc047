import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nmcliDeviceFactsSchema, nmcliDeviceKind, parseNmcliDevice } from "../../../agent/src/parse/nmcli-device.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");

describe("nmcli device parser", () => {
  it.each([
    {
      name: "nmcli/pilot-rpi-gsm-disconnected.txt",
      why: "reads a Pi whose modem is present but disconnected",
      expected: [
        { device: "eth0", type: "ethernet", state: "connected", connection: "Wired connection 1" },
        { device: "cdc-wdm0", type: "gsm", state: "disconnected", connection: null },
        { device: "wlan0", type: "wifi", state: "disconnected", connection: null },
        { device: "lo", type: "loopback", state: "unmanaged", connection: null },
      ],
    },
    {
      name: "nmcli/pilot-rpi-gsm-connected.txt",
      why: "reads the same Pi with the gsm connection up",
      expected: [
        { device: "eth0", type: "ethernet", state: "connected", connection: "Wired connection 1" },
        { device: "cdc-wdm0", type: "gsm", state: "connected", connection: "stream2" },
        { device: "wlan0", type: "wifi", state: "disconnected", connection: null },
        { device: "lo", type: "loopback", state: "unmanaged", connection: null },
      ],
    },
    {
      name: "nmcli/scs-ec21-gsm-connected-giffgaff.txt",
      why: "reads a table without a prompt and with narrower columns",
      expected: [
        { device: "eth0", type: "ethernet", state: "connected", connection: "Ethernet eth0" },
        { device: "cdc-wdm0", type: "gsm", state: "connected", connection: "giffgaff" },
        { device: "sit0", type: "iptunnel", state: "unmanaged", connection: null },
        { device: "lo", type: "loopback", state: "unmanaged", connection: null },
      ],
    },
  ])("$why ($name)", ({ name, expected }) => {
    const text = fixture(name);
    const result = parseNmcliDevice(text);
    expect(result).toEqual({ ok: true, facts: { devices: expected } });
    if (result.ok) expect(nmcliDeviceFactsSchema.safeParse(result.facts).success).toBe(true);
    expect(parseNmcliDevice(text.replace(/\n/g, "\r\n"))).toEqual(result);
    // Padding collapsed to single spaces (a web capture) reads the same.
    expect(parseNmcliDevice(text.replace(/ {2,}/g, " "))).toEqual(result);
  });

  it.each([
    { what: "empty text", text: "" },
    { what: "mmcli output", text: fixture("mmcli/uconsole-sim7600g-h-failed-sim-missing.txt") },
    { what: "vcgencmd output", text: fixture("vcgencmd/rpi4-soft-temp-limit-active-with-prompt.txt") },
    { what: "an AT transcript", text: fixture("at/a7670e-sim-not-inserted-no-network-service.txt") },
    { what: "random bytes", text: "\u0000:\u00ff:\u0013:\u0007" },
  ])("reports $what as not this kind", ({ text }) => {
    const result = parseNmcliDevice(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/\S/);
  });

  it("reports nmcli's own error as a fact", () => {
    expect(parseNmcliDevice("Error: NetworkManager is not running.\n")).toEqual({
      ok: true,
      facts: { devices: [], error: "NetworkManager is not running." },
    });
  });

  it("is registered under the kind name nmcli.device", () => {
    expect(nmcliDeviceKind.kind).toBe("nmcli.device");
  });
});
