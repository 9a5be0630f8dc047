import { z } from "zod";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `vcgencmd get_throttled` prints one line, `throttled=0x50005`. The value is a bit pattern; the
 * bit meanings are Raspberry Pi's own documentation
 * (https://www.raspberrypi.com/documentation/computers/os.html#get_throttled, source
 * raspberrypi/documentation documentation/asciidoc/computers/os/*.adoc):
 *   0 under-voltage detected, 1 Arm frequency capped, 2 currently throttled,
 *   3 soft temperature limit active, 16..19 the same four "has occurred" since boot.
 * The low half is live, the high half is sticky until reboot: `0x50000` means the Pi browned
 * out earlier but is fine now, which is exactly the case a field report must not miss.
 */
export const vcgencmdGetThrottledFactsSchema = z.object({
  /** The value as printed, e.g. `0x50005`. */
  raw: z.string(),
  underVoltageNow: z.boolean(),
  armFreqCappedNow: z.boolean(),
  throttledNow: z.boolean(),
  softTempLimitNow: z.boolean(),
  underVoltageOccurred: z.boolean(),
  armFreqCappedOccurred: z.boolean(),
  throttledOccurred: z.boolean(),
  softTempLimitOccurred: z.boolean(),
});

export type VcgencmdGetThrottledFacts = z.infer<typeof vcgencmdGetThrottledFactsSchema>;

// The key may follow a prompt on the same line in a web capture, but `get_throttled=` (prose,
// scripts) is not the tool's output: hence no word character or underscore before it.
const THROTTLED_LINE = /(?<![\w])throttled=(0x[0-9a-f]+|\d+)\s*$/i;
// What vcgencmd prints when it cannot talk to the firmware (no /dev/vchiq access, not a Pi).
const VCHI_FAILURE = /VCHI initialization failed|failed to connect to the VideoCore|Can't open device file: \/dev\/vcio/i;

function bit(value: number, n: number): boolean {
  // Division instead of `>>`: bitwise operators go through int32 and would misread bit 31.
  return Math.floor(value / 2 ** n) % 2 === 1;
}

export function parseVcgencmdGetThrottled(text: string): ParseResult<VcgencmdGetThrottledFacts> {
  if (typeof text !== "string") return notThisKind("the input is not text");
  const lines = text.split(/\r\n|\r|\n/);
  for (const line of lines) {
    const m = THROTTLED_LINE.exec(line.trim());
    if (!m?.[1]) continue;
    const raw = m[1];
    const value = /^0x/i.test(raw) ? Number.parseInt(raw.slice(2), 16) : Number.parseInt(raw, 10);
    if (!Number.isSafeInteger(value)) continue;
    return facts({
      raw,
      underVoltageNow: bit(value, 0),
      armFreqCappedNow: bit(value, 1),
      throttledNow: bit(value, 2),
      softTempLimitNow: bit(value, 3),
      underVoltageOccurred: bit(value, 16),
      armFreqCappedOccurred: bit(value, 17),
      throttledOccurred: bit(value, 18),
      softTempLimitOccurred: bit(value, 19),
    });
  }
  if (VCHI_FAILURE.test(text)) {
    return notThisKind(
      "vcgencmd could not reach the VideoCore firmware, so it printed no throttled value",
    );
  }
  return notThisKind("no `throttled=0x…` line: this is not `vcgencmd get_throttled` output");
}

export const vcgencmdGetThrottledKind = defineKind({
  kind: "vcgencmd.get_throttled",
  source: "vcgencmd get_throttled",
  schema: vcgencmdGetThrottledFactsSchema,
  parse: parseVcgencmdGetThrottled,
});
