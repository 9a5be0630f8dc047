import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../server/src/cli/main.ts";
import type { CliIo } from "../../../server/src/cli/io.ts";
import { registerDevice, startTestServer } from "./helpers.ts";

type Server = Awaited<ReturnType<typeof startTestServer>>;

function capture(env: Record<string, string | undefined>): CliIo & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return { out: (t) => void (out += t), err: (t) => void (err += t), env, stdout: () => out, stderr: () => err };
}

describe("the uplink CLI as a new user meets it", () => {
  let server: Server;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer({ listenHttp: true, httpHost: "127.0.0.1" });
    env = { UPLINK_SERVER: server.httpUrl!, UPLINK_TOKEN: server.token };
    await registerDevice(server, "pi-1");
  });
  afterAll(async () => server.close());

  it("lists the catalog in --help and when run lacks a command", async () => {
    const help = capture(env);
    expect(await main(["--help"], help)).toBe(0);
    expect(help.stdout()).toMatch(/catalog[\s\S]*dhcp\.renew[\s\S]*--iface/);
    const run = capture(env);
    expect(await main(["run", "pi-1"], run)).toBe(2);
    expect(run.stderr()).toMatch(/missing <device> <command>; the catalog:\n[\s\S]*diagnose/);
  });

  it("suggests the closest catalog name for a typo", async () => {
    const io = capture(env);
    expect(await main(["run", "pi-1", "dhcp.renw"], io)).toBe(2);
    expect(io.stderr()).toContain('no command "dhcp.renw" in the catalog (did you mean "dhcp.renew"?)');
  });

  it("refuses an unknown flag instead of ignoring it or taking the next word as its value", async () => {
    const run = capture(env);
    expect(await main(["run", "pi-1", "dhcp.renew", "--ifac", "wwan0"], run)).toBe(2);
    expect(run.stderr()).toContain('unknown option --ifac (did you mean "iface"?)');
    const devices = capture(env);
    expect(await main(["devices", "--bogus"], devices)).toBe(2);
    expect(devices.stderr()).toContain("uplink devices: unknown option --bogus");
    expect(devices.stderr()).not.toContain("needs a value");
  });

  it('says "no devices match" when a filter matches nothing', async () => {
    const io = capture(env);
    expect(await main(["devices", "--link", "eth9"], io)).toBe(0);
    expect(io.stdout()).toBe("no devices match\n");
  });

  it("refuses to watch a device the server does not know", async () => {
    const io = capture(env);
    expect(await main(["watch", "pi-nope"], io)).toBe(4);
    expect(io.stderr()).toMatch(/pi-nope/);
  });
});
