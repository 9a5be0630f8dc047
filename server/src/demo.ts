import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { z } from "zod";
import { addDevice, addToken } from "./auth/credentials.ts";
import type { RunningServer } from "./server.ts";

export const DEMO_DEVICE_ID = "demo-pi";
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const AGENT_BIN = join(REPO_ROOT, "agent/bin/uplink-agent.js");
const SNAPSHOT = join(REPO_ROOT, "test/fixtures/snapshots/healthy");

const demoSecretsSchema = z.object({ token: z.string(), deviceId: z.string(), password: z.string() });
type DemoSecrets = z.infer<typeof demoSecretsSchema>;

/** The delay before restarting the simulated agent after its n-th quick exit: 1 s doubling to 30 s. */
export function restartDelayMs(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1));
}

/**
 * Makes the demo's operator token and device once. Their plain secrets are kept in the data
 * directory (mode 0600) so that every later `npm start` can print them again: a demo convenience
 * that a real deployment does not have.
 */
async function demoSecrets(server: RunningServer, dataDir: string): Promise<DemoSecrets> {
  const file = join(dataDir, "demo-credentials.json");
  if (existsSync(file)) {
    const saved = demoSecretsSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (saved.success && server.store.getDevicePasswordHash(saved.data.deviceId) !== null) return saved.data;
  }
  if (server.store.getDevicePasswordHash(DEMO_DEVICE_ID) !== null) {
    throw new Error(`${DEMO_DEVICE_ID} exists but ${file} is gone or unreadable: remove ${dataDir} to start the demo afresh`);
  }
  const { token } = await addToken(server.store, `demo-${Date.now().toString(36)}`);
  const { password } = await addDevice(server.store, DEMO_DEVICE_ID);
  const secrets = { token, deviceId: DEMO_DEVICE_ID, password };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  server.fleet.dispatch({ kind: "device.registered", deviceId: DEMO_DEVICE_ID });
  return secrets;
}

/** Prints where things are, writes the agent's config and keeps a simulated agent running. */
export async function startDemo(server: RunningServer, dataDir: string, logger: Logger): Promise<{ stop(): Promise<void> }> {
  const secrets = await demoSecrets(server, dataDir);
  const agentDir = join(dataDir, DEMO_DEVICE_ID);
  mkdirSync(join(agentDir, "state"), { recursive: true });
  const configPath = join(agentDir, "config.json");
  const config = {
    deviceId: secrets.deviceId,
    broker: { url: server.mqttUrl, username: secrets.deviceId, password: secrets.password },
    topicRoot: "uplink/v1",
    dataDir: join(agentDir, "state"),
  };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });

  process.stdout.write(
    [
      "",
      "uplink demo",
      `  API        ${server.httpUrl}/api/v1   (OpenAPI: ${server.httpUrl}/api/v1/openapi.json)`,
      `  MQTT       ${server.mqttUrl}`,
      `  token      ${secrets.token}`,
      `  device     ${secrets.deviceId} / ${secrets.password}`,
      `  data       ${dataDir}`,
      "",
      "  try:",
      `    export UPLINK_SERVER=${server.httpUrl} UPLINK_TOKEN=${secrets.token}`,
      "    node server/bin/uplink.js devices",
      `    node server/bin/uplink.js run ${secrets.deviceId} diagnose --wait`,
      "",
    ].join("\n"),
  );

  let child: ChildProcess | null = null;
  let stopping = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;

  function launch(): void {
    if (!existsSync(AGENT_BIN)) {
      logger.error({ agent: AGENT_BIN }, "demo: the agent is not there; no simulated device");
      return;
    }
    const args = [AGENT_BIN, "run", "--config", configPath, "--simulate", SNAPSHOT];
    const started = Date.now();
    logger.info({ cmd: `node ${args.join(" ")}` }, "demo: starting the simulated device");
    child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (err) => logger.error({ err: err.message }, "demo: the simulated device failed to start"));
    child.on("exit", (code, signal) => {
      child = null;
      if (stopping) return;
      failures = Date.now() - started > 60_000 ? 1 : failures + 1;
      const delay = restartDelayMs(failures);
      logger.error({ code, signal, restartInMs: delay }, "demo: the simulated device exited; restarting it");
      timer = setTimeout(launch, delay);
    });
  }
  launch();

  return {
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      const c = child as ChildProcess | null;
      if (c && c.exitCode === null) {
        const exited = new Promise((r) => c.once("exit", r));
        c.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
    },
  };
}
