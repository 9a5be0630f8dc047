import { describe, expect, it } from "vitest";
import { chooseShed } from "../../../agent/src/outbox/shed-policy.ts";
import type { OutboxClass, OutboxEntry } from "../../../agent/src/outbox/entry.ts";

const entries = (classes: OutboxClass[]): OutboxEntry[] => classes.map((cls, i) => ({ id: `b:${i + 1}`, cls, topic: "t", payload: "{}", retain: false }));

describe("what a full outbox sheds", () => {
  it.each([
    ["nothing while under the bound", ["event", "heartbeat"], 5, []],
    ["the oldest heartbeat first", ["heartbeat", "event", "heartbeat", "response"], 3, ["b:1"]],
    ["heartbeats before any health report", ["health", "heartbeat", "heartbeat", "event"], 2, ["b:2", "b:3"]],
    ["superseded health reports once no heartbeat is left", ["health", "event", "health", "health"], 2, ["b:1", "b:3"]],
    ["never an event or a response, even past the bound", ["event", "response", "event", "health"], 2, []],
  ] as const)("sheds %s", (_what, classes, max, shed) => {
    expect(chooseShed(entries([...classes]), max)).toEqual(shed);
  });
});
