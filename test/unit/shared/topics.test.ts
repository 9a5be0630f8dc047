import { describe, expect, it } from "vitest";
import { CHANNELS, createTopics, DEFAULT_TOPIC_ROOT, isDeviceId } from "@uplink/shared";

describe("topics", () => {
  const topics = createTopics();

  it("builds every channel under the default root", () => {
    expect(topics.device("pi-0042", "cmd/req")).toBe("uplink/v1/pi-0042/cmd/req");
    expect(topics.allDevices("health")).toBe("uplink/v1/+/health");
    expect(DEFAULT_TOPIC_ROOT).toBe("uplink/v1");
  });

  it.each(CHANNELS)("parses back what it builds for %s", (channel) => {
    expect(topics.parse(topics.device("field-pi-7", channel))).toEqual({ deviceId: "field-pi-7", channel });
  });

  it("works under a configured root", () => {
    const t = createTopics("acme/fleet/v1");
    expect(t.parse(t.device("pi-1", "events"))).toEqual({ deviceId: "pi-1", channel: "events" });
    expect(t.parse("uplink/v1/pi-1/events")).toBeNull();
  });

  it.each([
    ["another root", "other/v1/pi-1/status"],
    ["an unknown channel", "uplink/v1/pi-1/shell"],
    ["a wildcard as device id", "uplink/v1/+/status"],
    ["an empty device level", "uplink/v1//status"],
    ["an extra level", "uplink/v1/pi-1/cmd/req/x"],
    ["an uppercase device id", "uplink/v1/PI-1/status"],
    ["no channel", "uplink/v1/pi-1"],
  ])("rejects %s", (_, topic) => {
    expect(topics.parse(topic)).toBeNull();
  });

  it.each(["", "+", "#", "a/b", "-lead", "UPPER", "x".repeat(64), "$SYS", "pi 1"])(
    "refuses to build a topic for the device id %j",
    (id) => {
      expect(isDeviceId(id)).toBe(false);
      expect(() => topics.device(id, "status")).toThrow(/invalid device id/);
    },
  );

  it.each(["", "a//b", "a/+/b", "#", "$SYS"])("refuses the topic root %j", (root) => {
    expect(() => createTopics(root)).toThrow(/invalid topic root/);
  });
});
