import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { z } from "zod";
import { addDevice, addToken } from "./auth/credentials.ts";
import type { RunningServer } from "./server.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const AGENT_BIN = join(REPO_ROOT, "agent/bin/uplink-agent.js");
const SNAPSHOTS = join(REPO_ROOT, "test/fixtures/snapshots");

/**
 * The demo fleet: the real agent, each replaying a Pi captured in another state: a healthy Pi,
 * one on its fallback, one that heals itself as it starts (see its events), and one with healing
 * off whose fault waits for an operator (`link.up`, from the dashboard's fix button or the CLI).
 */
export const DEMO_FLEET = [
  { deviceId: "demo-pi", scenario: "healthy", healing: true },
  { deviceId: "demo-pi-fallback", scenario: "wifi-gone", healing: true },
  { deviceId: "demo-pi-selfheal", scenario: "no-packet-session", healing: true },
  { deviceId: "demo-pi-down", scenario: "interface-down", healing: false },
] as const;

const demoSecretsSchema = z.object({
  token: z.string(),
  devices: z.array(z.object({ deviceId: z.string(), password: z.string() })),
});
type DemoSecrets = z.infer<typeof demoSecretsSchema>;

/** The delay before restarting a simulated agent after its n-th quick exit: 1 s doubling to 30 s. */
export function restartDelayMs(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1));
}

function readSaved(file: string): DemoSecrets | null {
  if (!existsSync(file)) return null;
  try {
    const saved = demoSecretsSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return saved.success ? saved.data : null;
  } catch {
    return null;
  }
}

/**
 * Makes the demo's operator token and devices once. Their plain secrets are kept in the data
 * directory (mode 0600) so that every later `npm start` can print them again: a demo convenience
 * that a real deployment does not have.
 */
async function demoSecrets(server: RunningServer, dataDir: string): Promise<DemoSecrets> {
  const file = join(dataDir, "demo-credentials.json");
  const saved = readSaved(file);
  const known = (id: string) => server.store.getDevicePasswordHash(id) !== null;
  if (saved && DEMO_FLEET.every((d) => saved.devices.some((s) => s.deviceId === d.deviceId) && known(d.deviceId))) return saved;
  const clash = DEMO_FLEET.find((d) => known(d.deviceId));
  if (clash) throw new Error(`${clash.deviceId} exists but ${file} is gone or stale: remove ${dataDir} to start the demo afresh`);
  const { token } = await addToken(server.store, `demo-${Date.now().toString(36)}`);
  const devices = [];
  for (const { deviceId } of DEMO_FLEET) {
    const { password } = await addDevice(server.store, deviceId);
    server.fleet.dispatch({ kind: "device.registered", deviceId });
    devices.push({ deviceId, password });
  }
  const secrets = { token, devices };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/** Keeps one simulated agent running, restarting it with backoff if it exits. */
function supervise(configPath: string, snapshot: string, logger: Logger): { stop(): Promise<void> } {
  let child: ChildProcess | null = null;
  let stopping = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;

  function launch(): void {
    if (!existsSync(AGENT_BIN)) {
      logger.error({ agent: AGENT_BIN }, "demo: the agent is not there; no simulated device");
      return;
    }
    const args = [AGENT_BIN, "run", "--config", configPath, "--simulate", snapshot];
    const started = Date.now();
    logger.info({ cmd: `node ${args.join(" ")}` }, "demo: starting a simulated device");
    child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (err) => logger.error({ err: err.message }, "demo: a simulated device failed to start"));
    child.on("exit", (code, signal) => {
      child = null;
      if (stopping) return;
      failures = Date.now() - started > 60_000 ? 1 : failures + 1;
      const delay = restartDelayMs(failures);
      logger.error({ code, signal, restartInMs: delay }, "demo: a simulated device exited; restarting it");
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

/** Prints where things are, writes each agent's config and keeps the simulated fleet running. */
export async function startDemo(server: RunningServer, dataDir: string, logger: Logger): Promise<{ stop(): Promise<void> }> {
  const secrets = await demoSecrets(server, dataDir);
  const agents = DEMO_FLEET.map(({ deviceId, scenario, healing }) => {
    const password = secrets.devices.find((d) => d.deviceId === deviceId)!.password;
    const agentDir = join(dataDir, deviceId);
    mkdirSync(join(agentDir, "state"), { recursive: true });
    const configPath = join(agentDir, "config.json");
    const config = {
      deviceId,
      broker: { url: server.mqttUrl, username: deviceId, password },
      topicRoot: "uplink/v1",
      dataDir: join(agentDir, "state"),
      // The snapshots were captured on the testbed, whose internet is TEST-NET-1 (RFC 5737).
      probe: { ip: "192.0.2.1", name: "probe.uplink.test" },
      dns: { fallbackNameservers: ["192.0.2.53"] },
      healing: { enabled: healing },
    };
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    return supervise(configPath, join(SNAPSHOTS, scenario), logger.child({ deviceId }));
  });

  process.stdout.write(
    [
      "",
      "uplink demo",
      `  dashboard  ${server.httpUrl}/   (sign in with the token)`,
      `  API        ${server.httpUrl}/api/v1   (OpenAPI: ${server.httpUrl}/api/v1/openapi.json)`,
      `  MQTT       ${server.mqttUrl}`,
      `  token      ${secrets.token}`,
      `  devices    ${DEMO_FLEET.map((d) => `${d.deviceId} (${d.scenario})`).join(", ")}`,
      `  data       ${dataDir}`,
      "",
      "  try:",
      `    export UPLINK_SERVER=${server.httpUrl} UPLINK_TOKEN=${secrets.token}`,
      "    node server/bin/uplink.js devices",
      "    node server/bin/uplink.js show demo-pi-down",
      "    node server/bin/uplink.js run demo-pi-down link.up --iface wwan0 --wait",
      "",
    ].join("\n"),
  );

  return {
    async stop() {
      await Promise.all(agents.map((a) => a.stop()));
    },
  };
}
