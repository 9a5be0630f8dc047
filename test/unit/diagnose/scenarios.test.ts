import { describe, expect, it } from "vitest";
import type { Diagnosis } from "@uplink/shared";
import { diagnose } from "../../../agent/src/diagnose/diagnose.ts";
import { defaultDiagnoseOptions } from "../../../agent/src/diagnose/options.ts";
import { readSnapshotDir } from "../../../agent/src/diagnose/snapshot.ts";
import { join } from "node:path";
import { FIXTURES } from "../../helpers/fixtures.ts";

// Snapshots captured by scripts/capture-snapshots.sh: the agent's own `snapshot` on the simulated
// Pi (real kernel and tools), with real published modem captures linked in.
const options = defaultDiagnoseOptions({ probe: { ip: "192.0.2.1", name: "probe.uplink.test", timeoutS: 2 } });
const load = async (name: string) => diagnose(await readSnapshotDir(join(FIXTURES, "snapshots", name)), options);

function failingCauses(d: Diagnosis) {
  return [...Object.values(d.links).flatMap((l) => l.layers), ...d.host.layers]
    .filter((l) => l.state === "failing")
    .map((l) => l.cause);
}

describe("diagnosis of captured scenarios", () => {
  it("finds nothing failing on a healthy Pi on Wi-Fi", async () => {
    const d = await load("healthy");
    expect(d.links.wlan0!.firstFailingLayer).toBeNull();
    expect(d.links.wwan0!.firstFailingLayer).toBeNull();
    expect(d.host.firstFailingLayer).toBeNull();
    expect(d.selection).toMatchObject({ active: "wlan0", preferred: "wlan0", onFallback: false });
    expect(d.links.wlan0!.reachable).toBe(true);
  });

  it.each([
    ["no-sim", "wwan0", "session", "sim-absent", undefined],
    ["unregistered", "wwan0", "session", "not-registered", { name: "modem.reset", args: {} }],
    ["no-packet-session", "wwan0", "session", "no-packet-session", { name: "qmi.restart", args: {} }],
    ["interface-down", "wwan0", "interface", "link-down", { name: "link.up", args: { iface: "wwan0" } }],
    ["no-lease", "wwan0", "ip", "no-lease", { name: "dhcp.renew", args: { iface: "wwan0" } }],
    ["wifi-gone", "wlan0", "session", "wifi-not-associated", undefined],
  ])("names %s as %s's %s layer", async (scenario, link, layer, cause, fix) => {
    const d = await load(scenario);
    const report = d.links[link]!;
    expect(report.firstFailingLayer).toBe(layer);
    const root = report.layers.find((l) => l.name === layer)!;
    expect(root.cause).toBe(cause);
    expect(root.fix).toEqual(fix);
    expect(root.evidence.length).toBeGreaterThan(0);
  });

  it.each([
    ["no-default-route", "routing", "no-default-route", { name: "route.replace", args: { iface: "wlan0" } }],
    ["dns-failing", "dns", "dns-unresolvable", { name: "dns.repair", args: {} }],
    ["resolv-conf-immutable-empty", "dns", "resolv-conf-immutable-empty", { name: "dns.repair", args: {} }],
    ["wifi-no-upstream", "routing", "active-link-no-upstream", { name: "link.prefer", args: { iface: "wwan0" } }],
  ])("names %s as the host's %s layer", async (scenario, layer, cause, fix) => {
    const d = await load(scenario);
    expect(d.host.firstFailingLayer).toBe(layer);
    const root = d.host.layers.find((l) => l.name === layer)!;
    expect(root.cause).toBe(cause);
    expect(root.fix).toEqual(fix);
  });

  it("keeps the links healthy when only the default routes are gone", async () => {
    const d = await load("no-default-route");
    expect(d.links.wlan0!.firstFailingLayer).toBeNull();
    expect(d.links.wwan0!.firstFailingLayer).toBeNull();
    expect(d.selection).toMatchObject({ active: null, preferred: "wlan0" });
  });

  it("sees a Wi-Fi that is associated but has no upstream, and prefers the modem", async () => {
    const d = await load("wifi-no-upstream");
    expect(d.links.wlan0!.firstFailingLayer).toBeNull();
    expect(d.links.wlan0!.reachable).toBe(false);
    expect(d.links.wwan0!.reachable).toBe(true);
    expect(d.selection).toMatchObject({ active: "wlan0", preferred: "wwan0" });
  });

  it("is on its fallback when Wi-Fi is gone and 4G carries the traffic", async () => {
    const d = await load("wifi-gone");
    expect(d.selection).toMatchObject({ active: "wwan0", preferred: "wwan0", onFallback: true });
    expect(d.host.firstFailingLayer).toBeNull();
    expect(failingCauses(d)).not.toContain("no-default-route");
  });
});
