import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kinds } from "../../../agent/src/parse/registry.ts";
import { FIXTURES, fixturesOf } from "../../helpers/fixtures.ts";

const sources = readFileSync(join(FIXTURES, "SOURCES.md"), "utf8");
const isRefusal = (name: string) => /(^|\/)not-this-kind-/.test(name);

/** Damaged versions of a real capture: what a flaky serial line or a cut-off log leaves behind. */
function damaged(texts: string[]) {
  const base = fc.constantFrom(...texts);
  return fc.oneof(
    fc.tuple(base, fc.nat()).map(([t, n]) => t.slice(0, n % (t.length + 1))),
    fc.tuple(base, fc.nat(), fc.nat()).map(([t, a, b]) => t.slice(0, a % (t.length + 1)) + t.slice(b % (t.length + 1))),
    fc.tuple(base, fc.nat(), fc.string()).map(([t, n, s]) => t.slice(0, n % (t.length + 1)) + s + t.slice(n % (t.length + 1))),
    fc.tuple(base, fc.nat()).map(([t, n]) => t.split("\n").filter((_, i) => i % (n % 5 + 2) !== 0).join("\n")),
    base.map((t) => t.replaceAll("\n", "\r\n").replaceAll("'", "")),
    base.map((t) => t.replace(/[0-9]/g, "9".repeat(30))),
  );
}

describe.each(kinds.map((k) => [k.kind, k] as const))("parser %s", (kind, parser) => {
  const fixtures = fixturesOf(kind);

  it("has real captures, each with its source in SOURCES.md", () => {
    expect(fixtures.length).toBeGreaterThan(0);
    for (const f of fixtures) expect(sources, `${f.name} has no entry in SOURCES.md`).toContain(f.name);
  });

  it("reads every capture of its kind into facts its schema accepts", () => {
    for (const f of fixtures.filter((f) => !isRefusal(f.name))) {
      const result = parser.parse(f.text);
      expect(result.ok, `${f.name}: ${result.ok ? "" : result.error}`).toBe(true);
      if (result.ok) expect(parser.schema.safeParse(result.facts).success, f.name).toBe(true);
    }
  });

  it("gives facts or a clean refusal, never a throw, for 1,000 random and damaged inputs", () => {
    const texts = fixtures.map((f) => f.text);
    const input = fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: "binary", maxLength: 400 }), damaged(texts));
    fc.assert(
      fc.property(input, (text) => {
        const result = parser.parse(text);
        if (result.ok) return parser.schema.safeParse(result.facts).success;
        return typeof result.error === "string" && result.error.length > 0 && !result.error.includes("\n");
      }),
      { numRuns: 1000 },
    );
  });

  it("refuses text that is not its kind at all", () => {
    // An empty resolv.conf is a resolv.conf (with no nameserver): the "resolv.conf emptied" fault.
    const blank = kind === "resolv.conf" ? [] : ["", "   \n"];
    for (const text of [...blank, "Segmentation fault\n", "\u0000\u0001\u0002"]) {
      expect(parser.parse(text).ok, JSON.stringify(text)).toBe(false);
    }
  });
});
