import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { COMMAND_NAMES, commandResponseSchema, TERMINAL_COMMAND_STATES } from "@uplink/shared";
import { brokerRig, makeAgent, simulatedPi } from "./helpers/agent-harness.ts";
import { sendCommand } from "./helpers/commands.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  cleanups = [];
});

const iso = fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString());
const requestLike = fc.record(
  {
    v: fc.oneof(fc.constant(1), fc.integer(), fc.string()),
    id: fc.oneof(fc.uuid(), fc.string({ maxLength: 100 }), fc.integer()),
    name: fc.oneof(fc.constantFrom(...COMMAND_NAMES), fc.string({ maxLength: 80 })),
    args: fc.oneof(
      fc.dictionary(fc.constantFrom("iface", "target", "count", "gateway", "metric", "nameservers", "device", "apn", "port", "x"), fc.jsonValue()),
      fc.jsonValue(),
    ),
    issuedAt: fc.oneof(iso, fc.string()),
    expiresAt: fc.oneof(iso, fc.string(), fc.integer()),
    issuedBy: fc.oneof(fc.string({ maxLength: 200 }), fc.constant(null)),
  },
  { requiredKeys: [] },
);
const payload = fc.oneof(
  { weight: 6, arbitrary: requestLike.map((r) => JSON.stringify(r)) },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
);

describe("a thousand random command payloads", () => {
  it("never crash the agent: each gets exactly one final answer that matches the response schema", async () => {
    const { broker, observer, tmp, config } = await brokerRig(cleanups);
    const agent = makeAgent(config, await simulatedPi(config, "healthy"), () => 3_000);
    await agent.start();
    cleanups.push(async () => void (await agent.stop(2000)));
    await observer.waitFor((r) => r.topic.endsWith("/health"));

    const payloads: (string | Buffer)[] = fc.sample(payload, { numRuns: 997, seed: 4242 });
    // Oversized: a 1 MB string where the name goes, and 1 MB of nothing in particular.
    payloads.push(JSON.stringify({ v: 1, id: "x", name: "a".repeat(1 << 20) }), "x".repeat(1 << 20), Buffer.alloc(0));
    for (const p of payloads) await sendCommand(observer, p);

    const finals = () =>
      observer.received.filter((r) => r.topic.endsWith("/cmd/res") && (TERMINAL_COMMAND_STATES as readonly unknown[]).includes(r.message.state));
    await observer.waitFor(() => finals().length >= payloads.length, 50_000).catch(() => null);
    expect(finals().length).toBe(payloads.length);
    for (const r of observer.received.filter((m) => m.topic.endsWith("/cmd/res"))) commandResponseSchema.parse(r.message);
    expect(agent.executor.stats.rejected).toBeGreaterThan(900);
  }, 120_000);
});
