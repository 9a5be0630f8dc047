import { describe, expect, it } from "vitest";
import { BOUNDS, commandResponseSchema, decodePayload, nestsDeeperThan } from "@uplink/shared";

const envelope = { v: 1, deviceId: "pi-1", bootId: "3f1c2a9e-boot", seq: 2, ts: "2026-11-25T03:00:00.000Z" };
const response = { ...envelope, requestId: "6f1c1f8e-3a43-4f0e-9a53-0a3c5b1d2e7f", name: "diagnose", state: "succeeded" };

/** A response whose `result` nests `levels` objects, as raw JSON text. */
function nestedResult(levels: number): string {
  const inner = `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
  return JSON.stringify({ ...response, result: { deep: "__INNER__" } }).replace('"__INNER__"', inner);
}

describe("the nesting bound at decode", () => {
  it("refuses a response nested 10,000 levels deep, before parsing it", () => {
    const payload = nestedResult(10_000);
    expect(Buffer.byteLength(payload)).toBeLessThan(256 * 1024);
    expect(decodePayload(commandResponseSchema, Buffer.from(payload))).toMatchObject({ ok: false, reason: "too-deep" });
  });

  it("refuses 10,000 bare brackets as too deep, not as bad JSON", () => {
    expect(decodePayload(commandResponseSchema, "[".repeat(10_000))).toMatchObject({ ok: false, reason: "too-deep" });
  });

  it("takes a message exactly at the bound and refuses one level more", () => {
    // The message itself is level 1, `result` level 2: the rest is nested inside.
    const within = nestedResult(BOUNDS.depth - 2);
    expect(decodePayload(commandResponseSchema, within)).toMatchObject({ ok: true });
    expect(decodePayload(commandResponseSchema, nestedResult(BOUNDS.depth - 1))).toMatchObject({ ok: false, reason: "too-deep" });
  });

  it("does not count brackets inside strings", () => {
    const msg = { ...response, output: "[".repeat(10_000) + "{".repeat(10_000), message: "}}]] unbalanced ]]" };
    expect(decodePayload(commandResponseSchema, JSON.stringify(msg))).toMatchObject({ ok: true, value: { output: msg.output } });
  });

  it("knows an escaped quote does not end a string", () => {
    // Were `\"` read as the end of the string, the brackets after it would count.
    const text = JSON.stringify({ s: `\\" ${"[".repeat(100)}` });
    expect(nestsDeeperThan(text, 2)).toBe(false);
    expect(JSON.parse(text)).toEqual({ s: `\\" ${"[".repeat(100)}` });
    const quoteInside = JSON.stringify({ s: `say "hi" ${"{".repeat(50)}` });
    expect(nestsDeeperThan(quoteInside, 1)).toBe(false);
  });

  it("counts what follows an escaped backslash at the end of a string", () => {
    // `"\\"` is a string holding one backslash: the quote after it closes the string.
    expect(nestsDeeperThan(`["\\\\", [[[1]]]]`, 3)).toBe(true);
    expect(nestsDeeperThan(`["\\\\", [[[1]]]]`, 4)).toBe(false);
  });

  it("counts arrays and objects alike", () => {
    expect(nestsDeeperThan(`{"a":[{"b":[1]}]}`, 4)).toBe(false);
    expect(nestsDeeperThan(`{"a":[{"b":[1]}]}`, 3)).toBe(true);
  });
});
