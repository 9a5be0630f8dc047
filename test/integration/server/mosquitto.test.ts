import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_USERNAME } from "../../../server/src/auth/principal.ts";
import { generateSecret } from "../../../server/src/auth/secrets.ts";
import { auth, connectDevice, eventually, heartbeatMessage, publish, responseMessage, startTestServer, tempDir, topics } from "./helpers.ts";

const hasMosquitto = spawnSync("sh", ["-c", "command -v mosquitto && command -v mosquitto_passwd"]).status === 0;
const DEPLOY = resolve(import.meta.dirname, "../../../deploy/mosquitto");

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, "127.0.0.1", () => s.end(() => res(true)));
      s.on("error", () => res(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the shipped ACL and the password rules on a real Mosquitto, with the server as its client. */
describe.skipIf(!hasMosquitto)("uplink on a real Mosquitto with deploy/mosquitto's rules", () => {
  const data = tempDir();
  const secrets = { [SERVER_USERNAME]: generateSecret(), "pi-a": generateSecret(), "pi-b": generateSecret() };
  let broker: ChildProcess;
  let url: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    const port = await freePort();
    url = `mqtt://127.0.0.1:${port}`;
    const passwd = join(data.dir, "passwd");
    for (const [user, password] of Object.entries(secrets)) {
      const r = spawnSync(join(DEPLOY, "make-passwd.sh"), [passwd, user, password]);
      if (r.status !== 0) throw new Error(`make-passwd.sh failed: ${r.stderr}`);
    }
    copyFileSync(join(DEPLOY, "acl"), join(data.dir, "acl"));
    // The shipped config with this test's port and files (and no persistence on disk).
    writeFileSync(
      join(data.dir, "mosquitto.conf"),
      [
        `listener ${port} 127.0.0.1`,
        // Run as root (CI), mosquitto would switch to its own user and lose the temp files.
        `user ${userInfo().username}`,
        "allow_anonymous false",
        `password_file ${passwd}`,
        `acl_file ${join(data.dir, "acl")}`,
        "use_username_as_clientid true",
        "persistence false",
        "message_size_limit 262144",
        "log_type error",
        "log_type warning",
      ].join("\n"),
    );
    broker = spawn("mosquitto", ["-c", join(data.dir, "mosquitto.conf")], { stdio: ["ignore", "ignore", "inherit"] });
    await waitForPort(port);
    server = await startTestServer({ brokerUrl: url, brokerUsername: SERVER_USERNAME, brokerPassword: secrets[SERVER_USERNAME] });
    for (const id of ["pi-a", "pi-b"]) server.fleet.dispatch({ kind: "device.registered", deviceId: id });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await server?.close();
    broker?.kill("SIGTERM");
    data.remove();
  });

  async function device(id: "pi-a" | "pi-b"): Promise<MqttClient> {
    const c = await connectDevice(url, { clientId: id, username: id, password: secrets[id] });
    clients.push(c);
    return c;
  }

  it("refuses a wrong password", async () => {
    await expect(connectDevice(url, { clientId: "pi-a", username: "pi-a", password: "wrong" })).rejects.toThrow();
  });

  it("takes a device's messages into the fleet and drops the ones it publishes as another device", async () => {
    const a = await device("pi-a");
    await a.publishAsync(topics.device("pi-b", "heartbeat"), JSON.stringify(heartbeatMessage("pi-b", 1)), { qos: 1 });
    await publish(a, "pi-a", "heartbeat", heartbeatMessage("pi-a", 1));
    await eventually(() => server.fleet.device("pi-a")?.online === true, "pi-a online");
    expect(server.fleet.device("pi-b")?.seq.received ?? 0).toBe(0);
  });

  it("never delivers B's commands to A, and carries a command from POST to B's answer", async () => {
    const a = await device("pi-a");
    const b = await device("pi-b");
    const seenByA: string[] = [];
    a.on("message", (t) => seenByA.push(t));
    await new Promise<void>((r) => a.subscribe(`${topics.root}/+/cmd/req`, { qos: 1 }, () => r()));
    await b.subscribeAsync(topics.device("pi-b", "cmd/req"), { qos: 1 });
    b.on("message", async (_t, p) => {
      const req = JSON.parse(p.toString());
      await publish(b, "pi-b", "cmd/res", responseMessage("pi-b", 1, req.id, req.name, "accepted"));
      await publish(b, "pi-b", "cmd/res", responseMessage("pi-b", 2, req.id, req.name, "succeeded"));
    });
    const res = await server.app.inject({ method: "POST", url: "/api/v1/devices/pi-b/commands", headers: auth(server.token), payload: { name: "diagnose", args: {} } });
    const { id } = res.json();
    await eventually(() => server.store.getCommand(id)?.state === "succeeded", "the command succeeded", 10_000);
    expect(seenByA).toEqual([]);
  });
});
