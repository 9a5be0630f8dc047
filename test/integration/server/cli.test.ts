import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../server/src/cli/main.ts";
import type { CliIo } from "../../../server/src/cli/io.ts";
import { connectDevice, publish, registerDevice, responseMessage, startTestServer, tempDir, topics } from "./helpers.ts";

type Server = Awaited<ReturnType<typeof startTestServer>>;

function capture(env: Record<string, string | undefined>): CliIo & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return { out: (t) => void (out += t), err: (t) => void (err += t), env, stdout: () => out, stderr: () => err };
}

describe("the uplink CLI against a running server", () => {
  let server: Server;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({ listenHttp: true, httpHost: "127.0.0.1" });
    env = { UPLINK_SERVER: server.httpUrl!, UPLINK_TOKEN: server.token };
    const creds = await registerDevice(server, "pi-1");
    const pi = await connectDevice(server.mqttUrl, { clientId: "pi-1", ...creds });
    await pi.subscribeAsync(topics.device("pi-1", "cmd/req"), { qos: 1 });
    let seq = 0;
    pi.on("message", async (_t, p) => {
      const req = JSON.parse(p.toString());
      await publish(pi, "pi-1", "cmd/res", responseMessage("pi-1", ++seq, req.id, req.name, "accepted"));
      await publish(pi, "pi-1", "cmd/res", responseMessage("pi-1", ++seq, req.id, req.name, "succeeded", { output: "3 packets transmitted, 3 received" }));
    });
    return async () => void (await pi.endAsync(true));
  });
  afterAll(async () => server.close());

  it("lists devices as a table and as JSON", async () => {
    const io = capture(env);
    expect(await main(["devices"], io)).toBe(0);
    expect(io.stdout()).toMatch(/^DEVICE\s+ONLINE/);
    const j = capture(env);
    await main(["devices", "--json"], j);
    expect(JSON.parse(j.stdout())[0].deviceId).toBe("pi-1");
  });

  it("runs a command and prints each step until it succeeds", async () => {
    const io = capture(env);
    expect(await main(["run", "pi-1", "ping", "--target", "8.8.8.8", "--count", "3", "--wait"], io)).toBe(0);
    expect(io.stdout()).toMatch(/pending[\s\S]*accepted[\s\S]*succeeded[\s\S]*3 received/);
  });

  it.each([
    [["run", "pi-1", "ping", "--target", "bad host!"], 2, /args.target/],
    [["run", "pi-404", "diagnose"], 4, /UPLINK_DEVICE_NOT_FOUND/],
    [["show"], 2, /missing <device>/],
    [["frobnicate"], 2, /unknown command/],
  ])("exits %j with %i and a clear error", async (argv, code, message) => {
    const io = capture(env);
    expect(await main(argv, io)).toBe(code);
    expect(io.stderr()).toMatch(message);
  });

  it("refuses a bad token with exit 4 and a hint", async () => {
    const io = capture({ ...env, UPLINK_TOKEN: "nope" });
    expect(await main(["devices"], io)).toBe(4);
    expect(io.stderr()).toMatch(/UPLINK_UNAUTHORIZED.*UPLINK_TOKEN/);
  });

  it("exits 3 when the server is not there", async () => {
    const io = capture({ UPLINK_SERVER: "http://127.0.0.1:9", UPLINK_TOKEN: "x" });
    expect(await main(["devices"], io)).toBe(3);
  });

  it("adds a device and a token straight into a data directory", async () => {
    const data = tempDir();
    try {
      const io = capture({});
      expect(await main(["device", "add", "pi-9", "--data", data.dir, "--json"], io)).toBe(0);
      expect(JSON.parse(io.stdout())).toEqual({ deviceId: "pi-9", username: "pi-9", password: expect.any(String) });
      const t = capture({});
      expect(await main(["token", "add", "ops", "--data", data.dir, "--json"], t)).toBe(0);
      expect(JSON.parse(t.stdout()).token).toMatch(/^upl_/);
    } finally {
      data.remove();
    }
  });
});
