import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { BOUNDS, commandResponseSchema, createTopics, eventSchema, healthSchema } from "@uplink/shared";
import { CUT_MARKER, fitMessage } from "../../../agent/src/mqtt/fit-message.ts";
import { Publisher } from "../../../agent/src/mqtt/publisher.ts";
import { Outbox } from "../../../agent/src/outbox/outbox.ts";
import { systemClock } from "../../../agent/src/runtime/clock.ts";

const envelope = { v: 1 as const, deviceId: "pi-1", bootId: "boot-0001", seq: 2, ts: "2026-11-25T03:00:00.000Z" };
const response = { ...envelope, requestId: "r1", name: "diagnose", state: "succeeded" as const };

describe("fitting a message to the wire bounds", () => {
  it("leaves a message within the bounds as it is, the same object", () => {
    const msg = { ...response, output: "64 bytes from 192.0.2.1", message: "done" };
    const fit = fitMessage(commandResponseSchema, msg);
    expect(fit.value).toBe(msg);
    expect(fit.cuts).toEqual([]);
  });

  it("keeps the end of a long output, where the failure is, behind a marker", () => {
    const output = `${"early line\n".repeat(10_000)}udhcpc: no lease, failing`;
    const fit = fitMessage(commandResponseSchema, { ...response, output });
    expect(fit.value.output).toHaveLength(BOUNDS.output);
    expect(fit.value.output!.startsWith(CUT_MARKER)).toBe(true);
    expect(fit.value.output!.endsWith("udhcpc: no lease, failing")).toBe(true);
    expect(fit.cuts).toEqual([`output: ${output.length} -> ${BOUNDS.output} characters`]);
    expect(commandResponseSchema.safeParse(fit.value).success).toBe(true);
  });

  it("keeps the start of a long sentence, and marks the cut", () => {
    const fit = fitMessage(commandResponseSchema, { ...response, message: `qmicli said: ${"e".repeat(10_000)}` });
    expect(fit.value.message!.startsWith("qmicli said: ")).toBe(true);
    expect(fit.value.message!.endsWith(CUT_MARKER)).toBe(true);
    expect(fit.value.message!.length).toBeLessThanOrEqual(BOUNDS.text);
  });

  it("keeps the first links of too many, and the first entries of too large a result", () => {
    const links = Array.from({ length: 40 }, (_, i) => `usb${i}`);
    const started = fitMessage(eventSchema, { ...envelope, type: "agent.started", agentVersion: "0.1.0", links });
    expect(started.value).toMatchObject({ links: links.slice(0, BOUNDS.links) });
    const result = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    const fit = fitMessage(commandResponseSchema, { ...response, result });
    expect(Object.keys(fit.value.result!)).toHaveLength(BOUNDS.entries);
    expect(fit.value.result!.k0).toBe(0);
  });

  it("fits nested lists too: the evidence of a layer in a health report", () => {
    const evidence = Array.from({ length: 50 }, (_, i) => ({ kind: "dmesg", fact: `line ${i}` }));
    const layer = { layer: 1, name: "hardware" as const, state: "ok" as const, summary: "ok", evidence };
    const health = {
      ...envelope,
      links: { wwan0: { role: "cellular" as const, firstFailingLayer: null, reachable: true, layers: [layer] } },
      host: { firstFailingLayer: null, layers: [] },
      selection: { active: "wwan0", preferred: "wwan0", onFallback: false, reason: "only link" },
    };
    const fit = fitMessage(healthSchema, health);
    expect(fit.value.links.wwan0!.layers[0]!.evidence).toHaveLength(BOUNDS.evidence);
    expect(health.links.wwan0.layers[0]!.evidence).toHaveLength(50);
    expect(healthSchema.safeParse(fit.value).success).toBe(true);
  });
});

describe("the publisher", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it("sends what the server would refuse cut to the bounds instead", async () => {
    const dir = await mkdtemp(join(tmpdir(), "uplink-fit-"));
    dirs.push(dir);
    const outbox = Outbox.open(join(dir, "outbox.jsonl"), { maxEntries: 100 });
    const p = new Publisher({ deviceId: "pi-1", bootId: "boot-0001", topics: createTopics(), outbox, clock: systemClock, log: pino({ level: "silent" }) });
    p.send("response", { requestId: "r1", name: "ping", state: "progress", step: "s".repeat(BOUNDS.text * 2) });
    const sent = commandResponseSchema.safeParse(JSON.parse(outbox.pending()[0]!.payload));
    expect(sent.success).toBe(true);
    expect(sent.data!.step!.endsWith(CUT_MARKER)).toBe(true);
  });

  it("keeps the note that the output was dropped when the message is already at its bound", async () => {
    const dir = await mkdtemp(join(tmpdir(), "uplink-fit-"));
    dirs.push(dir);
    const outbox = Outbox.open(join(dir, "outbox.jsonl"), { maxEntries: 100 });
    const p = new Publisher({ deviceId: "pi-1", bootId: "boot-0001", topics: createTopics(), outbox, clock: systemClock, log: pino({ level: "silent" }) });
    p.send("response", { requestId: "r1", name: "diagnose", state: "failed", message: "m".repeat(BOUNDS.text), result: { blob: "y".repeat(300_000) } });
    const sent = commandResponseSchema.safeParse(JSON.parse(outbox.pending()[0]!.payload));
    expect(sent.success).toBe(true);
    expect(sent.data!.message).toMatch(/^\(output of \d+ bytes dropped/);
  });
});
