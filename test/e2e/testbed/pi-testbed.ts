import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { SimulatedModem } from "./modem-sim.ts";

/**
 * The simulated Pi of netns.sh, driven from TypeScript: the namespaces, the simulated SIM7600G-H
 * that the real qmicli and qmi-network talk to (modem-sim.ts), the real uplink-server inside "the
 * internet" (192.0.2.10) and the real agent inside the Pi.
 * Shared by the e2e suite (test/e2e/*.test.ts) and the failover benchmark (bench/failover.ts).
 */
export const ROOT = join(import.meta.dirname, "..", "..", "..");
export const TESTBED = import.meta.dirname;
const NETNS_SH = join(TESTBED, "netns.sh");
/**
 * Which testbed: UPLINK_TESTBED=NAME (default `upl`) names its namespaces NAME-pi, NAME-ap,
 * NAME-cell, NAME-inet; UPLINK_TESTBED_HOSTNET=A.B.C (default 10.99.9) is the root namespace's /30
 * to the server. Two runs with different names do not meet (netns.sh reads the same variables).
 */
export const TESTBED_NAME = process.env.UPLINK_TESTBED ?? "upl";
const HOSTNET = process.env.UPLINK_TESTBED_HOSTNET ?? "10.99.9";
/** A namespace of this testbed: `pi`, `ap`, `cell` or `inet`. */
export const nsName = (ns: "pi" | "ap" | "cell" | "inet") => `${TESTBED_NAME}-${ns}`;
export const RUN_DIR = TESTBED_NAME === "upl" ? "/run/uplink-testbed" : `/run/uplink-testbed-${TESTBED_NAME}`;
/**
 * The simulated modem's control device as the agent is configured with it: /dev/cdc-wdm9 (or
 * UPLINK_TESTBED_WDM), a symlink to the modem's pty bind-mounted onto a node named cdc-wdm0 in the
 * testbed's own directory, as udev links name a port. libqmi resolves the link and finds
 * cdc-wdm0 in the Pi's /sys/class; a machine with a real modem keeps its own /dev/cdc-wdm0, and
 * qmi-network's state file is this device's, not the real one's.
 */
export const QMI_DEVICE = `/dev/cdc-wdm${process.env.UPLINK_TESTBED_WDM ?? "9"}`;
/** qmi-network's state file for that device (it names it after the device's basename). */
export const QMI_NETWORK_STATE = `/tmp/qmi-network-state-${QMI_DEVICE.slice("/dev/".length)}`;
/** The testbed's own qmi-network profile, for bringing the session up as a Pi's boot does. */
export const QMI_NETWORK_PROFILE = join(RUN_DIR, "qmi-network.conf");
export const PI_RESOLV_CONF = `/etc/netns/${nsName("pi")}/resolv.conf`;
/**
 * The Pi's PATH: the udhcpc with its hook first, then the system's tools, the real qmicli and
 * qmi-network (libqmi-utils) among them. Nothing of the repository stands in for a modem tool.
 */
export const PI_PATH = [join(TESTBED, "pi-bin"), "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"].join(":");
/**
 * How a command runs on the Pi: in its network namespace, in a private mount namespace where
 * pi-sysfs.sh makes /sys/class say that cdc-wdm0 is a qmi_wwan port with wwan0 beside it.
 * `--propagation unchanged` keeps the testbed's later binds of the control device visible.
 */
export const PI_EXEC = ["netns", "exec", nsName("pi"), "unshare", "-m", "--propagation", "unchanged", join(TESTBED, "pi-sysfs.sh"), "env", `PATH=${PI_PATH}`];
export const SERVER_ADDR = "192.0.2.10";
/** The server's address as the root namespace reaches it (the upl-inet0 veth). */
export const SERVER_FROM_HOST = `${HOSTNET}.2`;
export const HTTP_PORT = 8080;
export const MQTT_PORT = 1883;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export async function netns(...args: string[]): Promise<void> {
  await execa("bash", [NETNS_SH, ...args], { stdio: "ignore", env: { UPLINK_TESTBED: TESTBED_NAME, UPLINK_TESTBED_HOSTNET: HOSTNET } });
}

/** Runs a command inside a namespace (`pi`, `ap`, `cell`, `inet`). */
export function inNs(ns: "pi" | "ap" | "cell" | "inet", cmd: string, args: string[], reject = true) {
  const prefix = ns === "pi" ? PI_EXEC : ["netns", "exec", nsName(ns), "env", `PATH=${PI_PATH}`];
  return execa("ip", [...prefix, cmd, ...args], {
    reject,
    env: { LC_ALL: "C" },
  });
}

export async function ip(ns: "pi" | "ap" | "cell" | "inet", ...args: string[]): Promise<void> {
  await execa("ip", ["-n", nsName(ns), ...args]);
}

let sim: SimulatedModem | null = null;

/** The simulated SIM7600G-H of the running testbed. */
export function modem(): SimulatedModem {
  if (!sim) throw new Error("the testbed is not up");
  return sim;
}

/** A DHCP exchange on a Pi link through the lease hook, as the Pi's setup does at boot. */
export async function lease(iface: "wlan0" | "wwan0"): Promise<void> {
  await inNs("pi", "udhcpc", ["-i", iface, "-n", "-q"]);
}

export async function testbedUp(): Promise<void> {
  await netns("up");
  rmSync(QMI_NETWORK_STATE, { force: true });
  writeFileSync(QMI_NETWORK_PROFILE, "APN=internet\nPROXY=yes\n");
  sim = new SimulatedModem(RUN_DIR, nsName("pi"), netns, QMI_DEVICE);
  await sim.start();
  await healthy();
}

export async function testbedDown(): Promise<void> {
  await sim?.stop().catch(() => {});
  sim = null;
  await netns("down").catch(() => {});
  rmSync(QMI_NETWORK_STATE, { force: true });
}

/**
 * The modem healthy with its packet session up, brought up as a Pi's boot does: the real
 * qmi-network, through qmi-proxy, with the testbed's profile. A stale state file (a session the
 * modem no longer has) is cleared by its stop first.
 */
async function modemHealthy(): Promise<void> {
  const m = modem();
  if (!m.isHealthy()) m.modem.resetToHealthy();
  await m.settled();
  const connected = () => m.modem.snapshot.session.status === "connected";
  for (let attempt = 1; !connected(); attempt++) {
    await inNs("pi", "qmi-network", [`--profile=${QMI_NETWORK_PROFILE}`, QMI_DEVICE, "stop"], false);
    const start = await inNs("pi", "qmi-network", [`--profile=${QMI_NETWORK_PROFILE}`, QMI_DEVICE, "start"], false);
    if (connected()) break;
    if (attempt >= 5) throw new Error(`qmi-network start failed ${attempt} times:\n${start.stdout}\n${start.stderr}`);
    await sleep(500);
  }
  await m.settled();
}

/** Puts every part of the testbed back as a healthy Pi in the field has it. */
export async function healthy(): Promise<void> {
  await modemHealthy();
  // The carrier's DHCP may have been silenced by a test.
  await netns("cell-dhcp", "on");
  await netns("dns", "on", "53");
  await netns("dns", "on", "54");
  await ip("ap", "link", "set", "ap0", "up");
  await ip("ap", "link", "set", "up0", "up");
  await ip("ap", "route", "replace", "default", "via", "10.99.1.2");
  await ip("pi", "link", "set", "wlan0", "up");
  await ip("pi", "link", "set", "wwan0", "up");
  // The agent's dns.repair may make the file immutable again between our two steps: retry.
  await waitFor("resolv.conf reset", 10_000, async () => {
    await execa("chattr", ["-i", PI_RESOLV_CONF], { reject: false });
    writeFileSync(PI_RESOLV_CONF, "nameserver 192.0.2.53\n");
    return true;
  }, 100);
  const routes = (await inNs("pi", "ip", ["-j", "-4", "route", "show", "default"])).stdout;
  const has = (dev: string, metric: number) =>
    (JSON.parse(routes || "[]") as { dev: string; metric?: number }[]).some((r) => r.dev === dev && (r.metric ?? 0) === metric);
  if (!has("wlan0", 100)) await lease("wlan0");
  if (!has("wwan0", 700)) await lease("wwan0");
  // A demoted or preferred route left by a test goes: only the lease's metrics stay.
  for (const r of JSON.parse(routes || "[]") as { dev: string; metric?: number }[]) {
    if ((r.dev === "wlan0" && r.metric !== 100) || (r.dev === "wwan0" && r.metric !== 700)) {
      await ip("pi", "route", "del", "default", "dev", r.dev, "metric", String(r.metric ?? 0)).catch(() => {});
    }
  }
}

export interface Device {
  deviceId: string;
  online: boolean;
  activeLink: string | null;
  rootCause: Record<string, string | null>;
  health: Health | null;
  delivery: { bootId: string | null; received: number; duplicates: number; gaps: number; stale: number };
}

export interface LayerHealth {
  name: string;
  state: string;
  cause?: string;
  fix?: { name: string; args: Record<string, unknown> };
}
export interface Health {
  bootId: string;
  links: Record<string, { firstFailingLayer: string | null; reachable: boolean | null; layers: LayerHealth[] }>;
  host: { firstFailingLayer: string | null; layers: LayerHealth[] };
  selection: { active: string | null; preferred: string | null };
}

/** The real uplink-server inside upl-inet, on 192.0.2.10, as a fleet's server in the cloud. */
export class InetServer {
  private child: ChildProcess | null = null;
  private out = "";
  readonly dataDir = mkdtempSync(join(tmpdir(), "uplink-e2e-server-"));
  token = "";
  readonly base = `http://${SERVER_FROM_HOST}:${HTTP_PORT}/api/v1`;

  async start(): Promise<void> {
    const child = spawn(
      "ip",
      ["netns", "exec", nsName("inet"), process.execPath, join(ROOT, "server/bin/uplink-server.js"), "--data", this.dataDir, "--http-port", String(HTTP_PORT), "--mqtt-port", String(MQTT_PORT)],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, UPLINK_LOG_LEVEL: "warn" } },
    );
    this.child = child;
    child.stdout!.on("data", (b: Buffer) => (this.out += b.toString()));
    child.stderr!.on("data", (b: Buffer) => (this.out += b.toString()));
    await waitFor("uplink-server answers /healthz", 60_000, async () => {
      if (child.exitCode !== null) throw new Error(`uplink-server exited ${child.exitCode}:\n${this.out}`);
      return fetch(`http://${SERVER_FROM_HOST}:${HTTP_PORT}/healthz`).then((r) => r.ok, () => false);
    });
    const made = await execa(process.execPath, [join(ROOT, "server/bin/uplink.js"), "token", "add", "e2e", "--data", this.dataDir, "--json"], { cwd: ROOT });
    this.token = (JSON.parse(made.stdout) as { token: string }).token;
  }

  output(): string {
    return this.out;
  }

  async api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${this.token}`, ...(init.body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** Registers a device; returns its MQTT password. */
  async addDevice(deviceId: string): Promise<string> {
    return (await this.api<{ password: string }>("/devices", { method: "POST", body: { deviceId } })).password;
  }

  /** The health reports the server stored since a time, newest first. */
  async healthSince(deviceId: string, sinceMs: number): Promise<Health[]> {
    const page = await this.api<{ items: { message: Health }[] }>(`/devices/${deviceId}/health?since=${new Date(sinceMs).toISOString()}&limit=200`);
    return page.items.map((i) => i.message);
  }

  device(deviceId: string): Promise<Device> {
    return this.api<Device>(`/devices/${deviceId}`);
  }

  async events(deviceId: string, type?: string, limit = 200): Promise<{ type: string; ts: string; [k: string]: unknown }[]> {
    const q = new URLSearchParams({ limit: String(limit), ...(type ? { type } : {}) });
    const page = await this.api<{ items: { message: { type: string; ts: string } }[] }>(`/devices/${deviceId}/events?${q}`);
    return page.items.map((i) => i.message);
  }

  /** An operator's command through the API; resolves with its final state. */
  async command(deviceId: string, name: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<{ state: string; detail?: unknown; responses?: unknown[] }> {
    const made = await this.api<{ id: string }>(`/devices/${deviceId}/commands`, { method: "POST", body: { name, args } });
    let last: { state: string } = { state: "pending" };
    await waitFor(`${name} finishes`, timeoutMs, async () => {
      last = await this.api<{ state: string }>(`/commands/${made.id}`);
      return !["pending", "accepted"].includes(last.state);
    });
    return last;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export interface AgentOptions {
  healing: boolean;
  /** Merged over the test config (intervals, preference, ...). */
  config?: Record<string, unknown>;
}

/** The real agent (`uplink-agent run`) inside upl-pi, with the testbed's tools on its PATH. */
export class PiAgent {
  private child: ChildProcess | null = null;
  private out = "";
  readonly dataDir = mkdtempSync(join(tmpdir(), "uplink-e2e-agent-"));

  constructor(
    readonly deviceId: string,
    private readonly password: string,
  ) {}

  configFor(o: AgentOptions): Record<string, unknown> {
    return {
      deviceId: this.deviceId,
      broker: { url: `mqtt://${SERVER_ADDR}:${MQTT_PORT}`, username: this.deviceId, password: this.password, keepaliveS: 5, reconnectS: 1, connectTimeoutS: 5 },
      dataDir: this.dataDir,
      modem: { qmiDevice: QMI_DEVICE, apn: "internet", profilePath: join(this.dataDir, "qmi-network.conf") },
      resolvConfPath: PI_RESOLV_CONF,
      intervals: { diagnoseCron: "*/2 * * * * *", heartbeatS: 5, watchDebounceMs: 200 },
      probe: { ip: "192.0.2.1", name: "probe.uplink.test", timeoutS: 1 },
      dns: { fallbackNameservers: ["192.0.2.54"] },
      healing: {
        enabled: o.healing,
        backoff: { initialS: 2, maxS: 8, factor: 2 },
        maxPerHour: { "dhcp.renew": 60, "qmi.restart": 60, "modem.reset": 60, reboot: 0 },
      },
      rollback: { graceS: 15 },
      logLevel: "info",
      ...o.config,
    };
  }

  async start(o: AgentOptions): Promise<void> {
    const configPath = join(this.dataDir, "agent.json");
    writeFileSync(configPath, JSON.stringify(this.configFor(o), null, 2));
    this.out = "";
    const child = spawn(
      "ip",
      [...PI_EXEC, process.execPath, join(ROOT, "agent/bin/uplink-agent.js"), "run", "--config", configPath],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.child = child;
    child.stdout!.on("data", (b: Buffer) => (this.out += b.toString()));
    child.stderr!.on("data", (b: Buffer) => (this.out += b.toString()));
    await sleep(300);
    if (child.exitCode !== null) throw new Error(`uplink-agent exited ${child.exitCode}:\n${this.out}`);
  }

  output(): string {
    return this.out;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null;
  }

  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const code = await exited;
    clearTimeout(killer);
    return code;
  }

  cleanup(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Polls `check` until it returns true; the error names what was awaited. */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean, everyMs = 250): Promise<void> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      if (await check()) return;
      lastError = null;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
    await sleep(everyMs);
  }
}
