import { describe, expect, it } from "vitest";
import { retainedFor, topicMatches } from "../../../server/src/broker/retained-index.ts";

describe("an MQTT topic filter", () => {
  it.each([
    ["uplink/v1/pi-1/status", "uplink/v1/pi-1/status", true],
    ["uplink/v1/+/status", "uplink/v1/pi-1/status", true],
    ["uplink/v1/+/status", "uplink/v1/pi-1/health", false],
    ["uplink/v1/#", "uplink/v1/pi-1/status", true],
    ["uplink/#", "uplink", true],
    ["#", "$SYS/broker/uptime", false],
    ["+/broker/uptime", "$SYS/broker/uptime", false],
    ["uplink/v1/+", "uplink/v1/pi-1/status", false],
    ["uplink/v1/pi-1/status/+", "uplink/v1/pi-1/status", false],
  ])("%s against %s is %s", (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe("the retained index", () => {
  const retained = new Map(
    ["a/1/status", "a/1/health", "a/2/status"].map((topic) => [topic, { topic, payload: Buffer.from(topic) }]),
  );

  it("answers an exact filter with one lookup", () => {
    expect([...retainedFor(retained, "a/2/status")].map((p) => p.topic)).toEqual(["a/2/status"]);
    expect([...retainedFor(retained, "a/2/cmd/req")]).toEqual([]);
  });

  it("answers a wildcard filter with every match", () => {
    expect([...retainedFor(retained, "a/+/status")].map((p) => p.topic)).toEqual(["a/1/status", "a/2/status"]);
  });
});
