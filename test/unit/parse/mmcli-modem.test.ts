import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mmcliModemFactsSchema, mmcliModemKind, parseMmcliModem } from "../../../agent/src/parse/mmcli-modem.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");

const simtechPorts = ["ttyUSB0 (ignored)", "ttyUSB1 (gps)", "ttyUSB2 (at)", "ttyUSB3 (at)", "ttyUSB4 (audio)"];

describe("mmcli -m parser", () => {
  it.each([
    {
      name: "mmcli/uconsole-sim7600g-h-failed-sim-missing.txt",
      why: "reports a SIM7600G-H failed with sim-missing",
      expected: {
        state: "failed",
        failedReason: "sim-missing",
        powerState: "on",
        accessTechnologies: [],
        primaryPort: "ttyUSB2",
        ports: simtechPorts,
        model: "SIMCOM_SIM7600G-H",
        manufacturer: "SIMCOM INCORPORATED",
        bearers: [],
      },
    },
    {
      name: "mmcli/uconsole-sim7600g-h-connected-lte.txt",
      why: "reports a connected SIM7600G-H on LTE with operator, SIM and bearer",
      expected: {
        state: "connected",
        powerState: "on",
        accessTechnologies: ["lte"],
        signalQualityPercent: 74,
        operatorName: "SOME ISP NAME",
        operatorCode: "46000",
        registrationState: "home",
        simPath: "/org/freedesktop/ModemManager1/SIM/0",
        primaryPort: "ttyUSB2",
        ports: simtechPorts,
        model: "SIMCOM_SIM7600G-H",
        manufacturer: "SIMCOM INCORPORATED",
        bearers: ["/org/freedesktop/ModemManager1/Bearer/1"],
      },
    },
    {
      name: "mmcli/iot-gate-imx8-sim7600g-older-mm-sim-missing.txt",
      why: "reads the older ModemManager layout (dbus path, revision) behind a root prompt",
      expected: {
        state: "failed",
        failedReason: "sim-missing",
        powerState: "on",
        accessTechnologies: [],
        signalQualityPercent: 0,
        primaryPort: "ttyUSB2",
        ports: ["ttyUSB0 (qcdm)", "ttyUSB2 (at)", "ttyUSB3 (at)", "wwan0 (net)"],
        model: "SIMCOM_SIM7600G",
        manufacturer: "SIMCOM INCORPORATED",
        bearers: [],
      },
    },
  ])("$why ($name)", ({ name, expected }) => {
    const text = fixture(name);
    const result = parseMmcliModem(text);
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(mmcliModemFactsSchema.safeParse(result.facts).success).toBe(true);
    expect(parseMmcliModem(text.replace(/\n/g, "\r\n"))).toEqual(result);
  });

  it("still reads a capture whose alignment was lost", () => {
    const squeezed = fixture("mmcli/uconsole-sim7600g-h-connected-lte.txt").replace(/ {2,}/g, " ");
    const result = parseMmcliModem(squeezed);
    expect(result.ok && result.facts.state).toBe("connected");
    expect(result.ok && result.facts.signalQualityPercent).toBe(74);
  });

  it("reports mmcli's own error as a fact", () => {
    const result = parseMmcliModem("error: couldn't find modem\n");
    expect(result).toMatchObject({ ok: true, facts: { state: "unknown", error: "couldn't find modem" } });
  });

  it.each([
    { what: "empty text", text: "" },
    { what: "nmcli output", text: fixture("nmcli/pilot-rpi-gsm-connected.txt") },
    { what: "an AT transcript", text: fixture("at/sim7000e-nbiot-creg-not-registered-cereg-registered.txt") },
    { what: "random bytes", text: "\u0000|\u00ff{\u0013 state" },
    { what: "JSON without a modem", text: '{"modem-list":[]}' },
  ])("reports $what as not this kind", ({ text }) => {
    const result = parseMmcliModem(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/\S/);
  });

  it("is registered under the kind name mmcli.modem", () => {
    expect(mmcliModemKind.kind).toBe("mmcli.modem");
  });
});
