import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  nasGetSignalStrengthKind,
  nasGetSignalStrengthSchema,
  parseNasGetSignalStrength,
} from "../../../agent/src/parse/qmicli-nas-get-signal-strength.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/qmicli/nas-get-signal-strength/${name}`, import.meta.url), "utf8");

describe("qmicli --nas-get-signal-strength parser", () => {
  it.each([
    {
      name: "lte-sim7600-hat-raspbian-libqmi-1.24.2.txt",
      why: "reads LTE RSSI, RSRP, RSRQ, SNR and Ec/Io of a SIM7600 HAT, past a stray log line, without the EV-DO SINR",
      expected: { radio: "lte", rssiDbm: -61, rsrpDbm: -90, rsrqDb: -16, snrDb: 3.2, ecioDb: -2.5 },
    },
    {
      name: "lte-quectel-rm530n-gl-flipper-one.txt",
      why: "reads a capture indented with two spaces",
      expected: { radio: "lte", rssiDbm: -62, rsrpDbm: -93, rsrqDb: -11, snrDb: 7.2, ecioDb: -2.5 },
    },
    {
      name: "lte-with-evdo-other-sierra-aircard-340u-ubuntu-16.04.txt",
      why: "keeps the current LTE values and ignores the CDMA EV-DO entries of an old libqmi with a typographic quote",
      expected: { radio: "lte", rssiDbm: -81, rsrpDbm: -115, rsrqDb: -16, snrDb: -3.6, ecioDb: -31.5 },
    },
  ])("$why", ({ name, expected }) => {
    const result = parseNasGetSignalStrength(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(nasGetSignalStrengthSchema.safeParse(result.facts).success).toBe(true);
  });

  it("reports a QMI error of the signal query as an error fact", () => {
    const result = parseNasGetSignalStrength("error: couldn't get signal strength: QMI protocol error (74): 'InformationUnavailable'");
    expect(result.ok && "error" in result.facts ? result.facts.error.qmiCode : undefined).toBe(74);
  });

  it.each(["", "default via 100.67.169.177 dev wwan0 metric 700", "\u0000\u00ff\u0013garbage"])(
    "says %j is not its output",
    (text) => {
      expect(nasGetSignalStrengthKind.parse(text).ok).toBe(false);
    },
  );
});
