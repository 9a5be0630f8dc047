import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  dmsGetOperatingModeKind,
  dmsGetOperatingModeSchema,
  parseDmsGetOperatingMode,
} from "../../../agent/src/parse/qmicli-dms-get-operating-mode.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/qmicli/dms-get-operating-mode/${name}`, import.meta.url), "utf8");

describe("qmicli --dms-get-operating-mode parser", () => {
  it.each([
    {
      name: "online-quectel-rm510q.txt",
      why: "reads an online Quectel RM510Q that is not hardware restricted",
      expected: { mode: "online", hardwareRestricted: false },
    },
    {
      name: "low-power-dell-sierra-libqmi-devel-quoted.txt",
      why: "reads a Dell-branded Sierra modem held in low-power before FCC authentication",
      expected: { mode: "low-power", hardwareRestricted: false },
    },
    {
      name: "online-after-fcc-auth-dell-sierra-libqmi-devel-quoted.txt",
      why: "reads the same modem online after FCC authentication, from a mail quote",
      expected: { mode: "online", hardwareRestricted: false },
    },
  ])("$why", ({ name, expected }) => {
    const result = parseDmsGetOperatingMode(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(dmsGetOperatingModeSchema.safeParse(result.facts).success).toBe(true);
  });

  it("accepts the misnamed error libqmi prints for this command as its own", () => {
    // qmicli-dms.c reuses "couldn't get the HW revision" in get_operating_mode_ready.
    const result = parseDmsGetOperatingMode("error: couldn't get the HW revision: QMI protocol error (3): 'Internal'");
    expect(result.ok && "error" in result.facts ? result.facts.error.qmiName : undefined).toBe("Internal");
  });

  it("says another command's error is not its output", () => {
    expect(parseDmsGetOperatingMode("error: couldn't get card status: QMI protocol error (37): 'UimUninitialized'").ok).toBe(false);
  });

  it.each(["", "default via 10.41.108.1 dev wlan0 proto dhcp metric 100", "\u0000\u00ff\u0013garbage"])(
    "says %j is not its output",
    (text) => {
      expect(dmsGetOperatingModeKind.parse(text).ok).toBe(false);
    },
  );
});
