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
