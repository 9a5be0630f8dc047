import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  parseVcgencmdGetThrottled,
  vcgencmdGetThrottledFactsSchema,
  vcgencmdGetThrottledKind,
} from "../../../agent/src/parse/vcgencmd-get-throttled.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");

const none = {
  underVoltageNow: false,
  armFreqCappedNow: false,
  throttledNow: false,
  softTempLimitNow: false,
  underVoltageOccurred: false,
  armFreqCappedOccurred: false,
  throttledOccurred: false,
  softTempLimitOccurred: false,
};

describe("vcgencmd get_throttled parser", () => {
  it.each([
    {
      name: "vcgencmd/rpi3-under-voltage-and-throttled-now.txt",
      expected: { ...none, raw: "0x50005", underVoltageNow: true, throttledNow: true, underVoltageOccurred: true, throttledOccurred: true },
    },
    {
      name: "vcgencmd/rpi3-under-voltage-occurred-since-boot.txt",
      expected: { ...none, raw: "0x50000", underVoltageOccurred: true, throttledOccurred: true },
    },
    { name: "vcgencmd/rpi3bplus-healthy-with-clock-and-temp.txt", expected: { ...none, raw: "0x0" } },
    {
      name: "vcgencmd/rpi4-soft-temp-limit-active-with-prompt.txt",
      expected: { ...none, raw: "0x80008", softTempLimitNow: true, softTempLimitOccurred: true },
    },
    {
      name: "vcgencmd/raspiblitz-soft-temp-limit-occurred.txt",
      expected: { ...none, raw: "0x80000", softTempLimitOccurred: true },
    },
  ])("decodes every flag of $name", ({ name, expected }) => {
    const text = fixture(name);
    const result = parseVcgencmdGetThrottled(text);
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(vcgencmdGetThrottledFactsSchema.safeParse(result.facts).success).toBe(true);
    // The same capture pasted from Windows (CRLF) reads the same.
    expect(parseVcgencmdGetThrottled(text.replace(/\n/g, "\r\n"))).toEqual(result);
  });

  it("reads bit 31 without int32 sign trouble", () => {
    const result = parseVcgencmdGetThrottled("throttled=0x80000000");
    expect(result.ok && result.facts.underVoltageNow).toBe(false);
  });

  it.each([
    { what: "empty text", text: "" },
    { what: "another tool's output", text: fixture("nmcli/pilot-rpi-gsm-connected.txt") },
    { what: "prose mentioning get_throttled=0xe0000", text: "the historical `get_throttled=0xe0000` bits" },
    { what: "random bytes", text: "\u0000\u00ff\u0013garbage=\u0007" },
    { what: "a VideoCore connection failure", text: "VCHI initialization failed\n" },
  ])("reports $what as not this kind", ({ text }) => {
    const result = parseVcgencmdGetThrottled(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/\S/);
  });

  it("is registered under the kind name vcgencmd.get_throttled", () => {
    expect(vcgencmdGetThrottledKind.kind).toBe("vcgencmd.get_throttled");
  });
});
