import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { commandResponseSchema, createTopics, MAX_PAYLOAD_BYTES } from "@uplink/shared";
import { Publisher } from "../../../agent/src/mqtt/publisher.ts";
import { Outbox } from "../../../agent/src/outbox/outbox.ts";
import { systemClock } from "../../../agent/src/runtime/clock.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function publisher() {
  const dir = await mkdtemp(join(tmpdir(), "uplink-pub-"));
  dirs.push(dir);
  const outbox = Outbox.open(join(dir, "outbox.jsonl"), { maxEntries: 100 });
  const p = new Publisher({ deviceId: "pi-1", bootId: "boot-0001", topics: createTopics(), outbox, clock: systemClock, log: pino({ level: "silent" }) });
  return { p, outbox };
}

describe("the publisher's size limit", () => {
  it("sends a response whose output would exceed the broker's limit without its output, and says so", async () => {
    const { p, outbox } = await publisher();
    // Within every string's bound (the output is cut to its own first), too large all together.
    const result = { transcript: "y".repeat(MAX_PAYLOAD_BYTES) };
    p.send("response", { requestId: "r1", name: "diagnose", state: "succeeded", message: "done", output: "x".repeat(MAX_PAYLOAD_BYTES), result });
    const [entry] = outbox.pending();
    expect(Buffer.byteLength(entry!.payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const sent = commandResponseSchema.parse(JSON.parse(entry!.payload));
    expect(sent.output).toBeUndefined();
    expect(sent.message).toMatch(/^\(output of \d+ bytes dropped: over 262144\) done$/);
  });

  it("leaves a message within the limit as it is", async () => {
    const { p, outbox } = await publisher();
    p.send("response", { requestId: "r1", name: "ping", state: "succeeded", output: "64 bytes from 192.0.2.1" });
    expect(JSON.parse(outbox.pending()[0]!.payload)).toMatchObject({ output: "64 bytes from 192.0.2.1" });
  });
});
