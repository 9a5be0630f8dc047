import { describe, expect, it } from "vitest";
import { optionRefusal } from "../../../server/src/cli/main.ts";
import { closest } from "../../../server/src/cli/suggest.ts";

describe("the CLI refuses options it does not know", () => {
  it("takes each command's own options and the global ones", () => {
    expect(optionRefusal("online", ["devices"])).toBeNull();
    expect(optionRefusal("server", ["show", "pi-1"])).toBeNull();
    expect(optionRefusal("iface", ["run", "pi-1", "dhcp.renew"])).toBeNull();
    expect(optionRefusal("wait", ["run", "pi-1", "diagnose"])).toBeNull();
  });

  it("names the unknown option and the closest known one", () => {
    expect(optionRefusal("ifac", ["run", "pi-1", "dhcp.renew"])).toMatch(/unknown option --ifac \(did you mean "iface"\?\)/);
    expect(optionRefusal("bogus", ["devices"])).toMatch(/uplink devices: unknown option --bogus.*--online, --root-cause, --link/);
  });

  it("suggests the closest catalog name for a typo, and nothing for a word far from all", () => {
    expect(closest("dhcp.renw", ["dhcp.renew", "dns.repair", "ping"])).toBe("dhcp.renew");
    expect(closest("frobnicate", ["dhcp.renew", "ping"])).toBeNull();
  });
});
