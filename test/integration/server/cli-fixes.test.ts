import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../server/src/cli/main.ts";
import type { CliIo } from "../../../server/src/cli/io.ts";
import { connectDevice, healthMessage, publish, registerDevice, responseMessage, startTestServer, topics } from "./helpers.ts";

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
    // pi-2 answers diagnose as the agent does: the final response carries the layer report.
    const pi = await connectDevice(server.mqttUrl, { clientId: "pi-2", ...(await registerDevice(server, "pi-2")) });
    await pi.subscribeAsync(topics.device("pi-2", "cmd/req"), { qos: 1 });
    const { links, host, selection } = healthMessage("pi-2", 1);
    let seq = 1;
    await publish(pi, "pi-2", "health", healthMessage("pi-2", ++seq));
    pi.on("message", async (_t, p) => {
      const req = JSON.parse(p.toString());
      await publish(pi, "pi-2", "cmd/res", responseMessage("pi-2", ++seq, req.id, req.name, "accepted"));
      const result = { firstFailingLayer: { wlan0: null, wwan0: "session", host: null }, active: "wlan0" };
      await publish(pi, "pi-2", "cmd/res", responseMessage("pi-2", ++seq, req.id, req.name, "succeeded", { result, health: { links, host, selection } }));
    });
    return async () => void (await pi.endAsync(true));
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

  it("prints the diagnosis that run ... diagnose --wait brings back, as show prints layers", async () => {
    const io = capture(env);
    expect(await main(["run", "pi-2", "diagnose", "--wait"], io)).toBe(0);
    const out = io.stdout();
    expect(out).toMatch(/succeeded\ndiagnosis: traffic wlan0; /);
    expect(out).toContain("\n  wlan0     ok\n");
    expect(out).toContain("\n  wwan0     session: session failing (fix: qmi.restart)\n");
    expect(out).toMatch(/\n {2}host {6}ok\n$/);
    const show = capture(env);
    expect(await main(["show", "pi-2"], show)).toBe(0);
    const layerLines = (text: string) => text.split("\n").filter((l) => /^ {2}\S+ +(ok|\w+: )/.test(l));
    expect(layerLines(show.stdout())).toEqual(layerLines(out));
    expect(layerLines(out)).toHaveLength(3);
  });

  it("stops watching when nobody reads the output any more (uplink watch | head -3)", async () => {
    const closed = new AbortController();
    const io = { ...capture(env), outClosed: closed.signal };
    setTimeout(() => closed.abort(), 300);
    expect(await main(["watch"], io)).toBe(0);
  });

  it("refuses to watch a device the server does not know", async () => {
    const io = capture(env);
    expect(await main(["watch", "pi-nope"], io)).toBe(4);
    expect(io.stderr()).toMatch(/pi-nope/);
  });
});
