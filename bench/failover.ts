/**
 * Failover speed on the simulated Pi (test/e2e/testbed): the real agent, the real kernel, the real
 * server in "the internet". Needs root: `npx tsx bench/failover.ts` (BENCH_TRIALS, default 20).
 *
 * A UDP probe leaves the Pi every 100 ms for 192.0.2.1 from an unconnected socket, so the kernel
 * routes each datagram afresh; the receiver in upl-inet notes when each arrives and from which
 * source address, i.e. over which link. For two faults of Wi-Fi, its carrier lost (the access point
 * gone) and its upstream dead (associated, but the AP's uplink down), it measures:
 *   - traffic over wwan0: from the fault to the first datagram that arrives through wwan0;
 *   - link.changed on the server: from the fault to the server's receipt of the agent's event;
 *   - back to Wi-Fi: from the repair to the first datagram through wlan0 again;
 * with the agent running, and again with it stopped (a stock Pi: the kernel's metrics alone).
 * Then a flap test: the AP's upstream toggled every 2-3 s for 30 s, counting the Pi's default
 * route changes and the probe's path switches.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { execa } from "execa";
import {
  InetServer,
  PiAgent,
  healthy,
  inNs,
  nsName,
  ip,
  isRoot,
  sleep,
  testbedDown,
  testbedUp,
  waitFor,
} from "../test/e2e/testbed/pi-testbed.ts";

const TRIALS = Number(process.env.BENCH_TRIALS ?? 20);
const DEADLINE_MS = 14.5 * 60_000;
const WIFI_SRC = "10.41.108.30";
const CELL_SRC = "100.67.169.178";
/** How long a stock Pi is given to fail over before the trial counts as "never". */
const KERNEL_CAP_MS = 4_000;
const AGENT_CAP_MS = 20_000;
const DEVICE = "pi-bench";

type Fault = "carrier" | "upstream";

interface Trial {
  toCellMs: number | null;
  serverMs: number | null;
  backMs: number | null;
}

const arrivals: { at: number; src: string }[] = [];
const children: ChildProcess[] = [];

function background(ns: "pi" | "inet", script: string, onLine?: (line: string) => void): ChildProcess {
  const child = spawn("ip", ["netns", "exec", nsName(ns), process.execPath, "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  if (onLine) createInterface({ input: child.stdout! }).on("line", onLine);
  children.push(child);
  return child;
}

const RECEIVER = `
const s = require("node:dgram").createSocket("udp4");
s.on("message", (_m, r) => process.stdout.write(Date.now() + " " + r.address + "\\n"));
s.bind(9999, "192.0.2.1");`;
const SENDER = `
const s = require("node:dgram").createSocket("udp4");
const m = Buffer.from("probe");
setInterval(() => s.send(m, 9999, "192.0.2.1", () => {}), 100);`;

async function firstArrival(src: string, after: number, capMs: number): Promise<number | null> {
  const until = after + capMs;
  while (Date.now() < until) {
    const hit = arrivals.find((a) => a.at >= after && a.src === src);
    if (hit) return hit.at - after;
    await sleep(20);
  }
  return null;
}

async function linkChangedAt(server: InetServer, to: string, after: number, capMs: number): Promise<number | null> {
  const until = after + capMs;
  while (Date.now() < until) {
    const page = await server.api<{ items: { receivedAt: string; message: { to?: string } }[] }>(`/devices/${DEVICE}/events?type=link.changed&limit=5`);
    const hit = page.items.find((i) => i.message.to === to && Date.parse(i.receivedAt) >= after);
    if (hit) return Date.parse(hit.receivedAt) - after;
    await sleep(100);
  }
  return null;
}

async function inject(fault: Fault): Promise<void> {
  if (fault === "carrier") await ip("ap", "link", "set", "ap0", "down");
  else await ip("ap", "link", "set", "up0", "down");
}

async function repair(fault: Fault): Promise<void> {
  if (fault === "carrier") await ip("ap", "link", "set", "ap0", "up");
  else {
    await ip("ap", "link", "set", "up0", "up");
    await ip("ap", "route", "replace", "default", "via", "10.99.1.2");
  }
}

async function onWifiAgain(server: InetServer | null): Promise<void> {
  await waitFor("probe traffic through wlan0", 60_000, async () => arrivals.some((a) => a.at > Date.now() - 300 && a.src === WIFI_SRC));
  if (server) await waitFor("the server showing wlan0 active", 60_000, async () => (await server.device(DEVICE)).activeLink === "wlan0");
}

async function trial(fault: Fault, server: InetServer | null): Promise<Trial> {
  const t0 = Date.now();
  await inject(fault);
  const cap = server ? AGENT_CAP_MS : KERNEL_CAP_MS;
  const [toCellMs, serverMs] = await Promise.all([firstArrival(CELL_SRC, t0, cap), server ? linkChangedAt(server, "wwan0", t0, cap) : null]);
  const t1 = Date.now();
  await repair(fault);
  const backMs = await firstArrival(WIFI_SRC, t1, 60_000);
  await onWifiAgain(server);
  // Let the agent's promotion streak finish and its diagnosis settle before the next fault.
  if (server) await sleep(1_000);
  return { toCellMs, serverMs, backMs };
}

/** Each scenario's figures as soon as its trials are done, so a run cut short still says something. */
function report(scenario: string, trials: Trial[], started: number): void {
  console.log(`${scenario} (${trials.length} trials, ${((Date.now() - started) / 1000).toFixed(0)} s into the run)`);
  console.log(`  traffic over wwan0:      ${summary(trials.map((t) => t.toCellMs))}`);
  if (scenario.startsWith("agent")) console.log(`  link.changed on server:  ${summary(trials.map((t) => t.serverMs))}`);
  console.log(`  back to Wi-Fi:           ${summary(trials.map((t) => t.backMs))}`);
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function summary(values: (number | null)[]): string {
  const got = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const never = values.length - got.length;
  if (got.length === 0) return `never (none of ${values.length} within the cap)`;
  const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return `median ${fmt(quantile(got, 0.5))}  p95 ${fmt(quantile(got, 0.95))}  (n=${got.length}${never ? `, ${never} never` : ""})`;
}

async function setLinkdownSysctl(value: 0 | 1): Promise<void> {
  await inNs("pi", "sysctl", ["-qw", `net.ipv4.conf.all.ignore_routes_with_linkdown=${value}`]);
}

async function flap(): Promise<{ routeChanges: number; pathSwitches: number; toggles: number }> {
  const monitor = spawn("ip", ["-n", nsName("pi"), "monitor", "route"], { stdio: ["ignore", "pipe", "ignore"] });
  let routeChanges = 0;
  createInterface({ input: monitor.stdout! }).on("line", (l) => {
    if (/\bdefault\b/.test(l)) routeChanges++;
  });
  const start = Date.now();
  let toggles = 0;
  let down = false;
  while (Date.now() - start < 30_000) {
    down = !down;
    if (down) await inject("upstream");
    else await repair("upstream");
    toggles++;
    await sleep(2_000 + Math.random() * 1_000);
  }
  if (down) await repair("upstream");
  await sleep(500);
  monitor.kill();
  const window = arrivals.filter((a) => a.at >= start && a.at <= Date.now());
  let pathSwitches = 0;
  for (let i = 1; i < window.length; i++) if (window[i]!.src !== window[i - 1]!.src) pathSwitches++;
  return { routeChanges, pathSwitches, toggles };
}

async function main(): Promise<void> {
  if (!isRoot()) throw new Error("bench/failover.ts needs root (network namespaces)");
  const started = Date.now();
  const server = new InetServer();
  let agent: PiAgent | null = null;
  const stopAll = async () => {
    for (const c of children) c.kill();
    await agent?.stop().catch(() => null);
    await server.stop().catch(() => {});
    await testbedDown();
    agent?.cleanup();
  };
  const deadline = setTimeout(() => {
    process.stderr.write("failover bench: over its time bound, stopping\n");
    void stopAll().finally(() => process.exit(2));
  }, DEADLINE_MS);

  try {
    await testbedUp();
    await server.start();
    agent = new PiAgent(DEVICE, await server.addDevice(DEVICE));
    background("inet", RECEIVER, (line) => {
      const [at, src] = line.split(" ");
      arrivals.push({ at: Number(at), src: src ?? "" });
      if (arrivals.length > 20_000) arrivals.splice(0, 10_000);
    });
    await sleep(300);
    background("pi", SENDER);

    const config = agent.configFor({ healing: true });
    console.log(`failover bench: ${TRIALS} trials each; agent: diagnosis cron ${JSON.stringify((config.intervals as { diagnoseCron: string }).diagnoseCron)}, probe timeout 1 s, demote after 3 failed probes, promote after 3 good ones`);
    await agent.start({ healing: true });
    await onWifiAgain(server);

    const results: Record<string, Trial[]> = {};
    for (const fault of ["carrier", "upstream"] as const) {
      results[`agent ${fault}`] = [];
      for (let i = 0; i < TRIALS; i++) results[`agent ${fault}`]!.push(await trial(fault, server));
      report(`agent ${fault}`, results[`agent ${fault}`]!, started);
    }

    console.log("flap test: the AP's upstream toggled every 2-3 s for 30 s, agent running");
    const flapped = await flap();
    await onWifiAgain(server);

    // A stock Pi: no agent, and the kernel's default for routes of a link without carrier.
    await agent.stop();
    await setLinkdownSysctl(0);
    await healthy();
    for (const fault of ["carrier", "upstream"] as const) {
      results[`kernel ${fault}`] = [];
      for (let i = 0; i < TRIALS; i++) results[`kernel ${fault}`]!.push(await trial(fault, null));
      report(`kernel ${fault}`, results[`kernel ${fault}`]!, started);
    }

    console.log("");
    for (const fault of ["carrier", "upstream"] as const) {
      const label = fault === "carrier" ? "Wi-Fi carrier lost (AP gone)" : "Wi-Fi upstream dead (AP up, its uplink down)";
      const a = results[`agent ${fault}`]!;
      const k = results[`kernel ${fault}`]!;
      console.log(label);
      console.log(`  uplink agent   traffic over wwan0:      ${summary(a.map((t) => t.toCellMs))}`);
      console.log(`  uplink agent   link.changed on server:  ${summary(a.map((t) => t.serverMs))}`);
      console.log(`  uplink agent   back to Wi-Fi:           ${summary(a.map((t) => t.backMs))}`);
      console.log(`  kernel alone   traffic over wwan0:      ${summary(k.map((t) => t.toCellMs))}  (cap ${KERNEL_CAP_MS / 1000} s)`);
      console.log(`  kernel alone   back to Wi-Fi:           ${summary(k.map((t) => t.backMs))}`);
    }
    console.log(`flap (upstream toggled ${flapped.toggles} times in 30 s): ${flapped.routeChanges} default-route changes, ${flapped.pathSwitches} probe path switches`);
    console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    clearTimeout(deadline);
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
