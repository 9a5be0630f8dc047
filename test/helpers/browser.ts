import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { chromium, type Browser } from "playwright-core";
export { freePort } from "./free-port.ts";
import { freePort } from "./free-port.ts";

const ROOT = join(import.meta.dirname, "..", "..");

/** Debian's Chromium (scripts/system-packages.txt); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.UPLINK_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // No sandbox: CI runs as root. The rest keeps Chromium off the network, which is closed here.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}


export interface RunningUplinkServer {
  httpUrl: string;
  mqttUrl: string;
  dataDir: string;
  /** An operator token made with `uplink token add --data`, as an operator would. */
  token: string;
  /** Registers a device through the API; returns its MQTT password. */
  addDevice(deviceId: string): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

/** The real `uplink-server` in its own process, on free ports, with a fresh data directory; `args`: more flags. */
export async function startUplinkServer(opts: { args?: string[] } = {}): Promise<RunningUplinkServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "uplink-dash-"));
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, "server/bin/uplink-server.js"), "--data", dataDir, "--http-port", String(httpPort), "--mqtt-port", String(mqttPort), ...(opts.args ?? [])],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" } },
  );
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const httpUrl = `http://127.0.0.1:${httpPort}`;

  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const until = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`uplink-server exited ${child.exitCode}:\n${out}`);
      const ok = await fetch(`${httpUrl}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > until) throw new Error(`uplink-server did not answer /healthz in 60 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const made = await execa(process.execPath, [join(ROOT, "server/bin/uplink.js"), "token", "add", "e2e", "--data", dataDir, "--json"], { cwd: ROOT });
    const { token } = JSON.parse(made.stdout) as { token: string };
    return {
      httpUrl,
      mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
      dataDir,
      token,
      async addDevice(deviceId) {
        const res = await fetch(`${httpUrl}/api/v1/devices`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ deviceId }),
        });
        if (!res.ok) throw new Error(`adding ${deviceId}: ${res.status} ${await res.text()}`);
        return ((await res.json()) as { password: string }).password;
      },
      output: () => out,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
