import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTopics } from "@uplink/shared";
import { judgeRequest } from "../../../agent/src/executor/judge-request.ts";

const topics = createTopics();
const ctx = { deviceId: "pi-1", topics, links: ["wlan0", "wwan0"], now: Date.parse("2025-01-01T00:00:00Z") };
const own = topics.device("pi-1", "cmd/req");
const req = (over: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ v: 1, id: randomUUID(), name: "link.up", args: { iface: "wwan0" }, issuedAt: "2025-01-01T00:00:00Z", expiresAt: "2025-01-01T00:01:00Z", issuedBy: "op", ...over }));

describe("judging a command message", () => {
  it("accepts a valid request for a configured link", () => {
    expect(judgeRequest(own, req(), ctx)).toMatchObject({ kind: "accept", name: "link.up", args: { iface: "wwan0" } });
  });

  it.each([
    ["another device's topic", topics.device("pi-2", "cmd/req")],
    ["a topic that is not a command", topics.device("pi-1", "events")],
    ["a foreign topic", "$SYS/broker/uptime"],
  ])("ignores %s", (_what, topic) => {
    expect(judgeRequest(topic, req(), ctx).kind).toBe("ignore");
  });

  it.each([
    ["malformed JSON", Buffer.from("{"), "invalid"],
    ["a 1 MB payload", Buffer.alloc(1 << 20, 0x61), "invalid"],
    ["an unknown command", req({ name: "rm" }), "unsupported"],
    ["a wrong argument type", req({ args: { iface: 1 } }), "invalid"],
    ["an unconfigured interface", req({ args: { iface: "eth0" } }), "invalid"],
    ["an expired request", req({ expiresAt: "2024-12-31T23:59:59Z" }), "expired"],
    ["a wrong protocol version", req({ v: 2 }), "invalid"],
  ])("rejects %s", (_what, payload, reason) => {
    expect(judgeRequest(own, payload, ctx)).toMatchObject({ kind: "reject", reason });
  });
});
