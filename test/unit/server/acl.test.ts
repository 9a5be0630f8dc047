import { MAX_PAYLOAD_BYTES } from "@uplink/shared";
import { createTopics } from "@uplink/shared";
import { describe, expect, it } from "vitest";
import { OPERATOR_USERNAME, SERVER_USERNAME, type Principal } from "../../../server/src/auth/principal.ts";
import { claimOf, decidePublish, decideSubscribe } from "../../../server/src/broker/acl.ts";

const topics = createTopics("uplink/v1");
const A: Principal = { kind: "device", deviceId: "pi-a" };
const SERVER: Principal = { kind: "server" };
const OP: Principal = { kind: "operator", tokenName: "alice" };

describe("the broker's rules", () => {
  it.each([
    ["pi-a", "pi-a", "device"],
    ["other", "pi-a", "client-id-mismatch"],
    ["x", undefined, "no-credentials"],
    ["x", "Not_A_Device", "unknown-user"],
    ["anything", SERVER_USERNAME, "server"],
    ["anything", OPERATOR_USERNAME, "operator"],
  ])("a CONNECT with client id %s and username %s is %s", (clientId, username, expected) => {
    const c = claimOf(clientId, username);
    expect(c.ok ? c.principal.kind : c.reason).toBe(expected);
  });

  it.each([
    [A, "uplink/v1/pi-a/heartbeat", false, "allow"],
    [A, "uplink/v1/pi-a/status", true, "allow"],
    [A, "uplink/v1/pi-a/health", true, "allow"],
    [A, "uplink/v1/pi-a/cmd/res", false, "allow"],
    [A, "uplink/v1/pi-a/events", true, "retain-not-allowed"],
    [A, "uplink/v1/pi-b/heartbeat", false, "other-device"],
    [A, "uplink/v1/pi-a/cmd/req", false, "own-command-topic"],
    [A, "uplink/v1/pi-a/secrets", false, "not-a-device-topic"],
    [A, "elsewhere/pi-a/heartbeat", false, "not-a-device-topic"],
    [A, "$SYS/broker", false, "reserved-topic"],
    [SERVER, "uplink/v1/pi-a/cmd/req", false, "allow"],
    [SERVER, "other/topic", false, "outside-root"],
    [OP, "uplink/v1/pi-a/cmd/req", false, "operator-read-only"],
  ] as const)("%o publishing on %s (retain %s): %s", (p, topic, retain, expected) => {
    const d = decidePublish(p, topics, topic, retain);
    expect(d.ok ? "allow" : d.reason).toBe(expected);
  });

  it("refuses a payload larger than any reader accepts, even on the device's own topic", () => {
    expect(decidePublish(A, topics, "uplink/v1/pi-a/events", false, MAX_PAYLOAD_BYTES)).toEqual({ ok: true });
    expect(decidePublish(A, topics, "uplink/v1/pi-a/events", false, MAX_PAYLOAD_BYTES + 1)).toEqual({ ok: false, reason: "oversized" });
  });

  it.each([
    [A, "uplink/v1/pi-a/cmd/req", "allow"],
    [A, "uplink/v1/pi-b/cmd/req", "not-own-command-topic"],
    [A, "uplink/v1/+/cmd/req", "not-own-command-topic"],
    [A, "uplink/v1/#", "not-own-command-topic"],
    [A, "#", "not-own-command-topic"],
    [SERVER, "uplink/v1/+/status", "allow"],
    [SERVER, "$share/uplink/uplink/v1/+/status", "allow"],
    [SERVER, "#", "outside-root"],
    [OP, "uplink/v1/#", "allow"],
    [OP, "$SYS/#", "outside-root"],
  ] as const)("%o subscribing to %s: %s", (p, filter, expected) => {
    const d = decideSubscribe(p, topics, filter);
    expect(d.ok ? "allow" : d.reason).toBe(expected);
  });
});
