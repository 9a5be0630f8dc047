import { describe, expect, it } from "vitest";
import { checkConfig } from "../../../agent/src/config/load.ts";
import { closeEpisodes, decide, type Attempt } from "../../../agent/src/heal/decide.ts";
import type { Problem } from "../../../agent/src/heal/problems.ts";

const base = { deviceId: "pi-1", broker: { url: "mqtt://b:1883", username: "u", password: "p" } };
const policy = (healing: object = {}) => {
  const c = checkConfig({ ...base, healing });
  if (!c.ok) throw new Error(c.errors.join());
  return c.config.healing;
};
const MIN = 60_000;
const noLease: Problem = { key: "wwan0:no-lease", link: "wwan0", role: "cellular", cause: "no-lease", fix: { name: "dhcp.renew", args: { iface: "wwan0" } } };
const attempts = (command: string, times: number[], key: string | null = noLease.key): Attempt[] => times.map((at) => ({ key, command, at, ok: false }));

describe("healing decisions", () => {
  it("runs the fix the diagnosis names the first time", () => {
    expect(decide(noLease, [], 0, policy())).toMatchObject({ kind: "run", command: { name: "dhcp.renew", args: { iface: "wwan0" } }, attempt: 1 });
  });

  it("backs off between attempts, doubling the wait", () => {
    const history = attempts("dhcp.renew", [0]);
    expect(decide(noLease, history, 10_000, policy()).kind).toBe("wait");
    expect(decide(noLease, history, 30_000, policy()).kind).toBe("run");
    const twice = attempts("qmi.restart", [0, 30_000]);
    expect(decide({ ...noLease, fix: { name: "qmi.restart", args: {} } }, twice, 80_000, policy()).kind).toBe("wait");
  });

  it("climbs the ladder when a rung was tried enough: renew DHCP, restart QMI, reset the modem", () => {
    const p = policy();
    expect(decide(noLease, attempts("dhcp.renew", [0, MIN]), 10 * MIN, p)).toMatchObject({ kind: "run", command: { name: "qmi.restart", args: {} } });
    const history = [...attempts("dhcp.renew", [0, MIN]), ...attempts("qmi.restart", [2 * MIN, 3 * MIN])];
    expect(decide(noLease, history, 30 * MIN, p)).toMatchObject({ kind: "run", command: { name: "modem.reset" } });
  });

  it("reboots only when the policy enables it", () => {
    const history = [...attempts("dhcp.renew", [0, 1]), ...attempts("qmi.restart", [2, 3]), ...attempts("modem.reset", [4, 5])];
    expect(decide(noLease, history, 3 * 3600_000, policy())).toMatchObject({ kind: "wait", why: expect.stringContaining("operator") });
    expect(decide(noLease, history, 3 * 3600_000, policy({ rebootEnabled: true, allow: ["dhcp.renew", "qmi.restart", "modem.reset", "reboot"] }))).toMatchObject({
      kind: "run",
      command: { name: "reboot" },
    });
  });

  it("restarts QMI at most 3 times an hour, whatever the problem", () => {
    const phantom: Problem = { key: "wwan0:phantom-bearer", link: "wwan0", role: "cellular", cause: "phantom-bearer", fix: { name: "qmi.restart", args: {} } };
    const history = attempts("qmi.restart", [0, 10 * MIN, 20 * MIN], "wwan0:other");
    expect(decide(phantom, history, 30 * MIN, policy())).toMatchObject({ kind: "wait", why: expect.stringContaining("limit 3") });
    expect(decide(phantom, history, 61 * MIN, policy()).kind).toBe("run");
  });

  it("never runs a modem command for a Wi-Fi problem, nor a command the policy does not allow", () => {
    const wifi: Problem = { ...noLease, key: "wlan0:no-lease", link: "wlan0", role: "wifi", fix: { name: "dhcp.renew", args: { iface: "wlan0" } } };
    expect(decide(wifi, attempts("dhcp.renew", [0, 1], wifi.key), 60 * MIN, policy())).toMatchObject({ kind: "wait" });
    expect(decide(noLease, [], 0, policy({ allow: ["link.up"] }))).toMatchObject({ kind: "wait", why: expect.stringContaining("not allowed") });
    expect(decide(noLease, [], 0, policy({ enabled: false }))).toMatchObject({ kind: "wait", why: "healing is disabled" });
  });

  it("starts the ladder again once a problem went away and came back", () => {
    const history = closeEpisodes(attempts("dhcp.renew", [0, MIN]), new Set(), 2 * MIN);
    expect(decide(noLease, history, 10 * MIN, policy())).toMatchObject({ kind: "run", command: { name: "dhcp.renew" } });
  });
});
