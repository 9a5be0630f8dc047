import { spawn, execFileSync } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startServer } from "../../../server/src/server.ts";
import { ROOT } from "../../helpers/run-bin.ts";
import { tempDir } from "./helpers.ts";

interface Run {
  code: number | null;
  stderr: string;
  stdout: string;
  ms: number;
}

/** The real bin, as systemd runs it; killed after `timeoutMs` (a hang shows as code null). */
function runServer(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Run> {
  const t = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "server/bin/uplink-server.js"), ...args], { cwd: ROOT, env: { ...process.env, UPLINK_LOG_LEVEL: "warn", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t });
    });
  });
}

function hold(host = "0.0.0.0"): Promise<Server & { port: number }> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, host, () => resolve(Object.assign(s, { port: (s.address() as { port: number }).port })));
  });
}

const held: Server[] = [];
const dirs: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const s of held.splice(0)) s.close();
  for (const d of dirs.splice(0)) d.remove();
});

async function heldPort(): Promise<number> {
  const s = await hold();
  held.push(s);
  return s.port;
}

function dataDir(): string {
  const d = tempDir();
  dirs.push(d);
  return d.dir;
}

describe("a port in use at start", () => {
  it("the HTTP port: exits 69 at once with a one-line hint", async () => {
    const port = await heldPort();
    const run = await runServer(["--data", dataDir(), "--http-port", String(port), "--mqtt-port", "0"]);
    expect(run.code).toBe(69);
    expect(run.ms).toBeLessThan(20_000); // tsx compiling on shared CPUs: seconds; the hang was forever
    expect(run.stderr).toContain(`uplink-server: UPLINK_PORT_UNAVAILABLE: http port ${port} is in use: stop the other process or pass --http-port\n`);
  });

  it("the MQTT port: exits 69 with a hint naming --mqtt-port", async () => {
    const port = await heldPort();
    const run = await runServer(["--data", dataDir(), "--http-port", "0", "--mqtt-port", String(port)]);
    expect(run.code).toBe(69);
    expect(run.stderr).toContain(`mqtt port ${port} is in use: stop the other process or pass --mqtt-port`);
  });

  it("the MQTT over TLS port: exits 69 with a hint naming --mqtts-port", async () => {
    const dir = dataDir();
    const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    // prettier-ignore
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert], { stdio: "ignore" });
    const port = await heldPort();
    const run = await runServer(["--data", join(dir, "data"), "--http-port", "0", "--mqtt-port", "0", "--tls-cert", cert, "--tls-key", key, "--mqtts-port", String(port)]);
    expect(run.code).toBe(69);
    expect(run.stderr).toContain(`mqtts port ${port} is in use: stop the other process or pass --mqtts-port`);
  });

  it("the metrics port: exits 69 with a hint naming --metrics-port", async () => {
    const port = (await hold("127.0.0.1")).port;
    const run = await runServer(["--data", dataDir(), "--http-port", "0", "--mqtt-port", "0", "--metrics-port", String(port)]);
    expect(run.code).toBe(69);
    expect(run.stderr).toContain(`metrics port ${port} is in use: stop the other process or pass --metrics-port`);
  });

  it("closes what had started: the broker's port and the store are free again", async () => {
    const httpPort = await heldPort();
    const free = await hold();
    const mqttPort = free.port;
    await new Promise((r) => free.close(r));
    const dir = dataDir();
    await expect(startServer({ dataDir: dir, httpPort, mqttPort, mqttHost: "0.0.0.0" })).rejects.toMatchObject({ code: "UPLINK_PORT_UNAVAILABLE" });
    // The broker let go of its port: it can be taken again.
    const retaken = createServer();
    await new Promise<void>((resolve, reject) => retaken.once("error", reject).listen(mqttPort, "0.0.0.0", () => resolve()));
    retaken.close();
    // And the store's file is closed.
    const open = readdirSync("/proc/self/fd").map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return "";
      }
    });
    expect(open.filter((f) => f.startsWith(dir))).toEqual([]);
  });
});

describe("bad configuration at start", () => {
  it("exits 78 with the reason on one line", async () => {
    const run = await runServer(["--data", dataDir(), "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"]);
    expect(run.code).toBe(78);
    expect(run.stderr).toBe("uplink-server: UPLINK_CONFIG_INVALID: --tls-cert /nonexistent/cert.pem: ENOENT\n");
  });

  it("a metrics token too short to be a secret: exits 78", async () => {
    const run = await runServer(["--data", dataDir(), "--http-port", "0", "--mqtt-port", "0"], { UPLINK_METRICS_TOKEN: "short" });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain("UPLINK_CONFIG_INVALID: the metrics token is shorter than 16 characters");
  });
});

describe("a stop the moment the server says it is up", () => {
  it("is a clean shutdown (exit 0), never the signal's default action, however soon it comes", async () => {
    // A supervisor that reads the banner and stops the server at once raced its signal handlers:
    // about one start in three died of the SIGTERM itself.
    for (let i = 0; i < 6; i++) {
      const dir = dataDir();
      const child = spawn(process.execPath, [join(ROOT, "server/bin/uplink-server.js"), "--data", dir, "--http-port", "0", "--mqtt-port", "0"], {
        env: { ...process.env, UPLINK_LOG_LEVEL: "warn" },
      });
      child.stdout.on("data", (d) => {
        if (String(d).startsWith("uplink-server: API")) child.kill("SIGTERM");
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
      clearTimeout(timer);
      expect(exit).toEqual({ code: 0, signal: null });
    }
  });
});
