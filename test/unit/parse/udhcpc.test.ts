import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseUdhcpc, udhcpcFactsSchema, udhcpcKind } from "../../../agent/src/parse/udhcpc.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/udhcpc/${name}`, import.meta.url), "utf8");

describe("udhcpc parser", () => {
  it.each([
    {
      name: "busybox-1.35-lease-wlan0.txt",
      why: "reads a 1.35 lease with the server it came from",
      expected: { leaseObtained: true, address: "10.41.108.30", leaseTimeS: 600, server: "10.41.108.1", version: "1.35.0" },
    },
    {
      name: "busybox-1.35-script-lease-wlan0.txt",
      why: "ignores the lines a default.script echoes",
      expected: { leaseObtained: true, address: "10.41.108.30", leaseTimeS: 600, server: "10.41.108.1", version: "1.35.0", iface: "wlan0" },
    },
    {
      name: "busybox-1.35-script-lease-wwan0.txt",
      why: "reads the 4G lease of the field guide's /30",
      expected: { leaseObtained: true, address: "100.67.169.178", leaseTimeS: 7200, server: "100.67.169.177", version: "1.35.0", iface: "wwan0" },
    },
    {
      name: "busybox-1.35-no-server.txt",
      why: "reports no lease when no server answers",
      expected: { leaseObtained: false, version: "1.35.0" },
    },
    {
      name: "balena-484-busybox-1.30.1-wwan0.txt",
      why: "reads 1.30's lease line, which names no server",
      expected: { leaseObtained: true, address: "10.56.28.111", leaseTimeS: 7200, version: "1.30.1" },
    },
    {
      name: "wl500g-287-busybox-1.19.2.txt",
      why: "reads 1.19's capitalised messages behind a prompt line",
      expected: { leaseObtained: true, address: "178.137.181.65", leaseTimeS: 43200, version: "1.19.2" },
    },
  ])("$why ($name)", ({ name, expected }) => {
    const result = parseUdhcpc(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(udhcpcFactsSchema.safeParse(result.facts).success).toBe(true);
  });

  it("takes the server from the select line when the lease line names none", () => {
    const text = "udhcpc: sending select for 10.0.0.5, server 10.0.0.1\nudhcpc: lease of 10.0.0.5 obtained, lease time 600\n";
    expect(parseUdhcpc(text)).toEqual({ ok: true, facts: { leaseObtained: true, address: "10.0.0.5", leaseTimeS: 600, server: "10.0.0.1" } });
  });

  it.each([
    ["empty text", ""],
    ["qmicli output", "[/dev/cdc-wdm0] Network started\n\tPacket data handle: '2197542992'\n"],
    ["random text", "udhcpc is a DHCP client"],
  ])("rejects %s as not udhcpc output", (_what, text) => {
    expect(parseUdhcpc(text).ok).toBe(false);
  });

  it("is registered as udhcpc", () => {
    expect(udhcpcKind.kind).toBe("udhcpc");
  });
});
