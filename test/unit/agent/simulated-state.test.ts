import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deleteDefault, replaceDefault, routeGet, setImmutable, setLinkUp } from "../../../agent/src/host/simulated-state.ts";

const fixture = (path: string) => readFileSync(join(import.meta.dirname, "../../fixtures", path), "utf8");

describe("the simulated host's state changes", () => {
  it("brings a captured down interface up, with a carrier", () => {
    const links = JSON.parse(setLinkUp(fixture("snapshots/interface-down/ip.link.txt"), "wwan0", true)!) as { ifname: string; flags: string[] }[];
    expect(links.find((l) => l.ifname === "wwan0")?.flags).toEqual(expect.arrayContaining(["UP", "LOWER_UP"]));
  });

  it("replaces the default route of the same metric, as the kernel does, and route get follows", () => {
    const routes = replaceDefault(fixture("ip-route/debian12-wifi-and-4g-json.txt"), "wwan0", "100.67.169.177", 50);
    expect(JSON.parse(routeGet(routes, undefined, "8.8.8.8"))[0]).toMatchObject({ dev: "wwan0", gateway: "100.67.169.177" });
    const back = deleteDefault(routes, "wwan0", 50);
    expect(JSON.parse(routeGet(back, undefined, "8.8.8.8"))[0]).toMatchObject({ dev: "wlan0" });
  });

  it("toggles the immutable flag in lsattr's output", () => {
    expect(setImmutable(fixture("lsattr/debian12-ext4-immutable.txt"), false)).toBe(fixture("lsattr/debian12-ext4-mutable.txt"));
    expect(setImmutable(fixture("lsattr/debian12-ext4-mutable.txt"), true)).toBe(fixture("lsattr/debian12-ext4-immutable.txt"));
  });
});

describe("the simulated Pi is causal", () => {
  const pi = async (snapshot: string) => {
    const { readSnapshotDir } = await import("../../../agent/src/diagnose/snapshot.ts");
    const { readOnlyCaptures } = await import("../../../agent/src/diagnose/commands.ts");
    const { diagnoseOptionsSchema } = await import("../../../agent/src/diagnose/options.ts");
    const { SimulatedHost } = await import("../../../agent/src/host/simulated-host.ts");
    const options = diagnoseOptionsSchema.parse({});
    return new SimulatedHost(await readSnapshotDir(join(import.meta.dirname, "../../fixtures/snapshots", snapshot)), readOnlyCaptures(options));
  };
  const inet = (host: { get(k: string): string | undefined }, iface: string) =>
    (JSON.parse(host.get("ip.addr")!) as { ifname: string; addr_info: { family: string; local: string }[] }[]).find((l) => l.ifname === iface)?.addr_info.filter((a) => a.family === "inet").map((a) => a.local);
  const defaults = (host: { get(k: string): string | undefined }) =>
    (JSON.parse(host.get("ip.route")!) as { dst: string; dev: string; metric?: number }[]).filter((r) => r.dst === "default").map((r) => [r.dev, r.metric]);

  it("gives no lease without a packet session, and one with an address, a route and answered probes once it starts", async () => {
    const host = await pi("no-packet-session");
    expect((await host.run("udhcpc", ["-i", "wwan0", "-n", "-q"])).exitCode).toBe(1);
    expect(inet(host, "wwan0")).toEqual([]);
    expect((await host.run("qmi-network", ["/dev/cdc-wdm0", "start"])).exitCode).toBe(0);
    const dhcp = await host.run("udhcpc", ["-i", "wwan0", "-n", "-q"]);
    expect(dhcp.exitCode).toBe(0);
    expect(dhcp.stderr).toMatch(/lease of 100\.67\.169\.178 obtained/);
    expect(inet(host, "wwan0")).toEqual(["100.67.169.178"]);
    expect(defaults(host)).toEqual(expect.arrayContaining([["wlan0", 100], ["wwan0", 700]]));
    expect(host.get("ping@wwan0")).toMatch(/2 received/);
  });

  it("drops a link's routes when it goes down, and its probe with them; a wifi without upstream stays so", async () => {
    const host = await pi("healthy");
    await host.run("ip", ["link", "set", "dev", "wwan0", "down"]);
    expect(defaults(host)).toEqual([["wlan0", 100]]);
    expect(host.get("ping@wwan0")).toBe("ping: connect: Network is unreachable\n");
    // ip -j addr carries the link's flags too: they follow.
    expect(host.get("ip.addr")).not.toMatch(/"ifname":"wwan0","flags":\[[^\]]*"UP"/);
    const noUpstream = await pi("wifi-no-upstream");
    await noUpstream.run("ip", ["route", "replace", "default", "via", "10.41.108.1", "dev", "wlan0", "metric", "100"]);
    expect(noUpstream.get("ping@wlan0")).toMatch(/0 received/);
  });
});
