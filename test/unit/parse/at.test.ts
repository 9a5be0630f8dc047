import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { atFactsSchema, atKind, parseAt } from "../../../agent/src/parse/at.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");

describe("AT transcript parser", () => {
  it.each([
    {
      name: "at/sim7600g-h-tinygsm-searching-then-registered-lte.txt",
      why: "keeps the last answers of a SIM7600G-H that searched, then registered on LTE",
      expected: {
        cpin: "READY",
        csq: { rssi: 27, ber: 99, rssiDbm: -59 },
        cgreg: { n: 0, stat: 1, state: "registered-home" },
        cpsi: {
          systemMode: "LTE",
          operationMode: "Online",
          mcc: "460",
          mnc: "11",
          tac: "0x775C",
          cellId: 117004595,
          pci: 399,
          band: "EUTRAN-BAND3",
          earfcn: 1650,
          rsrqDb: -9.8,
          rsrpDbm: -89.2,
          rssiDbm: -59.1,
          sinrDb: 12,
        },
        errors: [],
      },
    },
    {
      name: "at/a7670e-sim-not-inserted-no-network-service.txt",
      why: "reports a missing SIM from the CME error and ignores the AT+CSQ=? range answer",
      expected: {
        cpin: "SIM not inserted",
        errors: ["+CME ERROR: SIM not inserted", "+CME ERROR: no network service"],
      },
    },
    {
      name: "at/sim7000e-nbiot-creg-not-registered-cereg-registered.txt",
      why: "reads CREG, CGREG and CEREG separately and the NB-IoT CPSI without LTE signal fields",
      expected: {
        creg: { n: 0, stat: 0, state: "not-registered" },
        cgreg: { n: 0, stat: 1, state: "registered-home" },
        cereg: { n: 0, stat: 1, state: "registered-home" },
        cops: { mode: 0, format: 0, operator: "242 01 Telenor", act: 9 },
        cpsi: { systemMode: "LTE NB-IOT", operationMode: "Online", mcc: "242", mnc: "01", band: "EUTRAN-BAND20" },
        errors: [],
      },
    },
    {
      name: "at/uconsole-sim7600g-h-socat-cpin-cops-cgreg.txt",
      why: "reads answers out of a wiki page of socat commands, including CGREG with n=2 and a cell",
      expected: {
        cpin: "READY",
        cops: { mode: 0, format: 0, operator: "SOME-ISP", act: 7 },
        cgreg: { n: 2, stat: 1, state: "registered-home" },
        errors: [],
      },
    },
  ])("$why ($name)", ({ name, expected }) => {
    const text = fixture(name);
    const result = parseAt(text);
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(atFactsSchema.safeParse(result.facts).success).toBe(true);
    expect(parseAt(text.replace(/\n/g, "\r\n"))).toEqual(result);
  });

  // Not a captured transcript: the answer line from the SIMCom SIM7500/SIM7600 AT Command Manual
  // V1.12's AT+CUSBPIDSWITCH? example, to pin the field's reading.
  it("reads the USB composition from the manual's AT+CUSBPIDSWITCH? example", () => {
    const result = parseAt("AT+CUSBPIDSWITCH?\r\n+CUSBPIDSWITCH: 9001\r\nOK\r\n");
    expect(result.ok && result.facts.usbPidSwitch).toBe("9001");
  });

  it("leaves rssiDbm out when CSQ reports 99 (not known)", () => {
    const result = parseAt("AT+CSQ\r\n\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
    expect(result.ok && result.facts.csq).toEqual({ rssi: 99, ber: 99 });
  });

  it.each([
    { what: "empty text", text: "" },
    { what: "mmcli output", text: fixture("mmcli/uconsole-sim7600g-h-connected-lte.txt") },
    { what: "vcgencmd output", text: fixture("vcgencmd/rpi3-under-voltage-and-throttled-now.txt") },
    { what: "nmcli output", text: fixture("nmcli/pilot-rpi-gsm-disconnected.txt") },
    { what: "random bytes", text: "\u0000\u00ff+\u0013\u0007OKAY" },
  ])("reports $what as not this kind", ({ text }) => {
    const result = parseAt(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/\S/);
  });

  it("is registered under the kind name at", () => {
    expect(atKind.kind).toBe("at");
  });
});
