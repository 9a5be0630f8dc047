import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkConfig, loadConfig } from "../../../agent/src/config/load.ts";
import { isAgentError } from "../../../agent/src/errors.ts";

const good = { deviceId: "pi-1", broker: { url: "mqtts://broker.example.com:8883", username: "pi-1", password: "s3cret" } };

describe("the agent's config", () => {
  it("fills the defaults the field guide describes", () => {
    const c = checkConfig(good);
    expect(c.ok && c.config).toMatchObject({
      topicRoot: "uplink/v1",
      links: { cellular: "wwan0", wifi: "wlan0" },
      modem: { qmiDevice: "/dev/cdc-wdm0", atPort: "/dev/ttyUSB2" },
      intervals: { heartbeatS: 30 },
      rollback: { graceS: 60 },
      healing: { maxPerHour: { "qmi.restart": 3 }, rebootEnabled: false },
    });
  });

  it.each([
    ["a device id with a slash", { ...good, deviceId: "pi/1" }, "deviceId:"],
    ["a broker without a password", { ...good, broker: { url: good.broker.url, username: "u" } }, "broker.password:"],
    ["an http URL", { ...good, broker: { ...good.broker, url: "http://x" } }, "broker.url:"],
    ["an interface name too long", { ...good, links: { wifi: "a-very-long-interface-name" } }, "links.wifi:"],
    ["a wildcard topic root", { ...good, topicRoot: "uplink/#" }, "topicRoot:"],
    ["a misspelt field", { ...good, brokr: {} }, "(root):"],
    ["a negative heartbeat", { ...good, intervals: { heartbeatS: -1 } }, "intervals.heartbeatS:"],
    ["an unknown healing command", { ...good, healing: { allow: ["rm -rf"] } }, "healing.allow.0:"],
  ])("rejects %s, naming the field", (_what, raw, path) => {
    const c = checkConfig(raw);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.errors.some((e) => e.startsWith(path))).toBe(true);
  });

  it("takes UPLINK_* environment variables over the file, keeping secrets strings", () => {
    const c = checkConfig(good, { UPLINK_BROKER_PASSWORD: "123", UPLINK_LINKS__WIFI: "wlan1", UPLINK_ROLLBACK__GRACE_S: "90", PATH: "/bin" });
    expect(c.ok && c.config.broker.password).toBe("123");
    expect(c.ok && c.config.links.wifi).toBe("wlan1");
    expect(c.ok && c.config.rollback.graceS).toBe(90);
  });

  it("leaves the operators' CLI's UPLINK_SERVER and UPLINK_TOKEN alone", () => {
    const c = checkConfig(good, { UPLINK_SERVER: "http://127.0.0.1:8080", UPLINK_TOKEN: "upl_x", UPLINK_BROKER_PASSWORD: "s3cret" });
    expect(c.ok && c.config.broker.password).toBe("s3cret");
  });

  it("stops at start with a coded error that names the file and every wrong field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "config-"));
    try {
      const path = join(dir, "agent.yaml");
      writeFileSync(path, "deviceId: Pi_1\nbroker:\n  url: mqtt://b\n  username: u\n");
      const err = await loadConfig(path, {}).catch((e: unknown) => e);
      expect(isAgentError(err, "UPLINK_CONFIG_INVALID")).toBe(true);
      expect(String((err as Error).message)).toContain(path);
      expect((err as { context: { errors: string[] } }).context.errors.map((e) => e.split(":")[0])).toEqual(["deviceId", "broker.password"]);
      writeFileSync(path, "deviceId: [unclosed\n");
      expect(isAgentError(await loadConfig(path, {}).catch((e: unknown) => e), "UPLINK_CONFIG_UNREADABLE")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
