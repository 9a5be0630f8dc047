import { MAX_PAYLOAD_BYTES } from "@uplink/shared";
import { createTopics } from "@uplink/shared";
import { describe, expect, it } from "vitest";
import { isReservedDeviceId, OPERATOR_USERNAME, SERVER_USERNAME, type Principal } from "../../../server/src/auth/principal.ts";
import { claimOf, decidePublish, decideSubscribe, operatorMayUse } from "../../../server/src/broker/acl.ts";

const topics = createTopics("uplink/v1");
const A: Principal = { kind: "device", deviceId: "pi-a" };
const SERVER: Principal = { kind: "server" };
const OP: Principal = { kind: "operator", tokenName: "alice", tokenId: "0123456789ab" };

describe("the broker's rules", () => {
  it.each([
    ["pi-a", "pi-a", "device"],
    ["other", "pi-a", "client-id-mismatch"],
    ["x", undefined, "no-credentials"],
    ["x", "Not_A_Device", "unknown-user"],
    ["_uplink-server", SERVER_USERNAME, "server"],
    ["_uplink-server-a", SERVER_USERNAME, "server"],
    ["uplink-server", SERVER_USERNAME, "client-id-mismatch"],
    ["pi-a", SERVER_USERNAME, "client-id-mismatch"],
    ["_operator.0123456789ab", OPERATOR_USERNAME, "operator"],
    ["_operator.0123456789ab.laptop", OPERATOR_USERNAME, "operator"],
    ["_uplink-server", OPERATOR_USERNAME, "client-id-mismatch"],
    ["pi-a", OPERATOR_USERNAME, "client-id-mismatch"],
    ["_uplink-server", "uplink-server", "client-id-mismatch"],
  ])("a CONNECT with client id %s and username %s is %s", (clientId, username, expected) => {
    const c = claimOf(clientId, username);
    expect(c.ok ? c.principal.kind : c.reason).toBe(expected);
  });

  it.each([
    ["_operator.0123456789ab", "allow"],
    ["_operator.0123456789ab.laptop", "allow"],
    ["_operator.0123456789ab.", "client-id-mismatch"],
    ["_operator.ba9876543210", "client-id-mismatch"],
    ["_operator.ba9876543210.0123456789ab", "client-id-mismatch"],
    ["_operator.0123456789abc", "client-id-mismatch"],
  ])("operator token 0123456789ab connecting as %s: %s", (clientId, expected) => {
    const d = operatorMayUse("0123456789ab", clientId);
    expect(d.ok ? "allow" : d.reason).toBe(expected);
  });

  it.each([
    ["pi-a", false],
    ["uplink-server", true],
    ["uplink-server-a", true],
    ["uplink-serverless", false],
    ["_uplink-server", true],
    ["_operator", true],
  ])("device id %s is reserved: %s", (deviceId, reserved) => {
    expect(isReservedDeviceId(deviceId)).toBe(reserved);
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
