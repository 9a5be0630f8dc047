import { describe, expect, it } from "vitest";
import { commandRequestSchema, decodePayload, eventSchema, heartbeatSchema, MAX_PAYLOAD_BYTES, statusSchema } from "@uplink/shared";

const envelope = { v: 1, deviceId: "pi-1", bootId: "3f1c2a9e-boot", seq: 1, ts: "2026-11-25T03:00:00.000Z" };

describe("wire messages", () => {
  it("decodes a valid status", () => {
    const result = decodePayload(statusSchema, JSON.stringify({ ...envelope, state: "online" }));
    expect(result).toEqual({ ok: true, value: { ...envelope, state: "online" } });
  });

  it("decodes an event by its type", () => {
    const msg = { ...envelope, type: "link.changed", from: "wlan0", to: "wwan0", reason: "wlan0 lost its upstream" };
    expect(decodePayload(eventSchema, JSON.stringify(msg))).toMatchObject({ ok: true, value: { type: "link.changed" } });
  });

  it.each([
    ["not JSON", "{nope", "not-json"],
    ["a wrong type", JSON.stringify({ ...envelope, seq: "1", state: "online" }), "schema"],
    ["seq zero", JSON.stringify({ ...envelope, seq: 0, state: "online" }), "schema"],
    ["a device id with a slash", JSON.stringify({ ...envelope, deviceId: "a/b", state: "online" }), "schema"],
    ["an unknown event type", JSON.stringify({ ...envelope, type: "shell" }), "schema"],
  ])("reports %s with a reason instead of throwing", (_, payload, reason) => {
    const schema = payload.includes('"type"') ? eventSchema : statusSchema;
    expect(decodePayload(schema, payload)).toMatchObject({ ok: false, reason });
  });

  it("refuses an oversized payload before parsing it", () => {
    const huge = JSON.stringify({ ...envelope, state: "online", reason: "x".repeat(MAX_PAYLOAD_BYTES) });
    expect(decodePayload(statusSchema, Buffer.from(huge))).toMatchObject({ ok: false, reason: "oversized" });
  });

  it("names the field that is wrong", () => {
    const hb = { ...envelope, uptimeS: 5, activeLink: "wlan0", links: {}, outbox: { depth: -1, dropped: 0 } };
    const result = decodePayload(heartbeatSchema, JSON.stringify(hb));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^outbox\.depth:/);
  });

  it("requires a uuid and an expiry on a command request", () => {
    const req = { v: 1, id: "not-a-uuid", name: "ping", args: {}, issuedAt: envelope.ts, expiresAt: envelope.ts, issuedBy: "op" };
    expect(commandRequestSchema.safeParse(req).success).toBe(false);
    expect(commandRequestSchema.safeParse({ ...req, id: "0b6f6c7e-9a8b-4c1d-8e2f-3a4b5c6d7e8f" }).success).toBe(true);
  });
});
