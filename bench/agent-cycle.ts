/**
 * The agent's footprint as a Pi runs it: the real `uplink-agent run --simulate` process (a captured
 * healthy Pi: no tool runs, so every figure is the agent's own work), on its production schedule
 * (a diagnosis at second 0 of every minute, a heartbeat every 30 s), publishing to an MQTT broker
 * in this process. In one run, side by side:
 *
 *   bare node       `node -e 'setInterval(()=>{},1000)'`, the floor
 *   built (unit)    agent/dist/uplink-agent.mjs with the systemd unit's flags
 *   built, no maps  the unit's flags but --enable-source-maps (what the source maps cost)
 *   built, plain    the bundle with no V8 flag (what the unit's flags buy)
 *   source (tsx)    agent/bin/uplink-agent.js from the TypeScript sources, as the repo ran it
 *
 * For each: the start to its first MQTT publish (median of 3 starts), then after `minutes` of
 * running: RSS and PSS (/proc/PID/status, /proc/PID/smaps_rollup; the whole process tree, and how
 * many children it has), CPU per diagnosis cycle (one diagnosis, two heartbeats) and per hour,
 * from /proc/PID/stat after the first minute.
 *
 *   npm run build && npx tsx bench/agent-cycle.ts [minutes=10] [snapshot=healthy]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Aedes } from "aedes";

const ROOT = join(import.meta.dirname, "..");
const minutes = Number(process.argv[2] ?? 10);
const snapshot = join(ROOT, "test/fixtures/snapshots", process.argv[3] ?? "healthy");
const BUNDLE = join(ROOT, "agent/dist/uplink-agent.mjs");
if (!existsSync(BUNDLE)) throw new Error("no agent/dist/uplink-agent.mjs: npm run build first");
/** The flags of deploy/systemd/uplink-agent.service's ExecStart. */
const UNIT = readFileSync(join(ROOT, "deploy/systemd/uplink-agent.service"), "utf8");
const UNIT_FLAGS = (/^ExecStart=\S+ (.*?) \/usr\/lib\/uplink-agent\/uplink-agent\.mjs/m.exec(UNIT)?.[1] ?? "").split(" ").filter(Boolean);
/** And its Environment= lines (MALLOC_ARENA_MAX). */
const UNIT_ENV = Object.fromEntries([...UNIT.matchAll(/^Environment=(\w+)=(\S*)$/gm)].map((m) => [m[1]!, m[2]!]));

interface Variant {
  name: string;
  args: (config: string) => string[];
  env?: Record<string, string>;
  agent: boolean;
}
const VARIANTS: Variant[] = [
  { name: "bare node", args: () => ["-e", "setInterval(()=>{},1000)"], agent: false },
  {
    name: `built (the unit's: ${Object.entries(UNIT_ENV).map(([k, v]) => `${k}=${v} `).join("")}${UNIT_FLAGS.join(" ")})`,
    args: (c) => [...UNIT_FLAGS, BUNDLE, "run", "--config", c, "--simulate", snapshot],
    env: UNIT_ENV,
    agent: true,
  },
  {
    name: "built, unit flags but no source maps",
    args: (c) => [...UNIT_FLAGS.filter((f) => f !== "--enable-source-maps"), BUNDLE, "run", "--config", c, "--simulate", snapshot],
    env: UNIT_ENV,
    agent: true,
  },
  { name: "built, no flags", args: (c) => [BUNDLE, "run", "--config", c, "--simulate", snapshot], agent: true },
  { name: "source (tsx)", args: (c) => [join(ROOT, "agent/bin/uplink-agent.js"), "run", "--config", c, "--simulate", snapshot], env: { UPLINK_FROM_SOURCE: "1" }, agent: true },
];

// A broker that lets everyone in and tells who published first.
const broker = await Aedes.createBroker();
const firstPublish = new Map<string, number>();
const publishes = new Map<string, number>();
broker.on("publish", (packet, client) => {
  if (!client) return;
  if (!firstPublish.has(client.id)) firstPublish.set(client.id, performance.now());
  publishes.set(client.id, (publishes.get(client.id) ?? 0) + 1);
});
const server = createServer(broker.handle);
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const port = (server.address() as AddressInfo).port;
const work = mkdtempSync(join(tmpdir(), "uplink-bench-"));

function configFor(id: string): string {
  const path = join(work, `${id}.json`);
  writeFileSync(path, JSON.stringify({ deviceId: id, broker: { url: `mqtt://127.0.0.1:${port}`, username: id, password: "x" }, dataDir: join(work, id), logLevel: "warn" }));
  return path;
}

function start(v: Variant, id: string): ChildProcess {
  return spawn(process.execPath, v.args(configFor(id)), { cwd: work, stdio: "ignore", env: { ...process.env, ...v.env } });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The process and its descendants, from /proc. */
function tree(pid: number): number[] {
  const out = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (kids) for (const k of kids.split(/\s+/)) out.push(...tree(Number(k)));
    }
  } catch {
    /* gone */
  }
  return out;
}
const kb = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
function memory(pid: number) {
  let rss = 0;
  let pss = 0;
  const pids = tree(pid);
  for (const p of pids) {
    rss += kb(readFileSync(`/proc/${p}/status`, "utf8"), "VmRSS");
    pss += kb(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"), "Pss");
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, children: pids.length - 1 };
}
const TICK = 100; // USER_HZ on Linux
/** CPU seconds of the process and its descendants (live ones, and the waited-for dead ones). */
function cpuS(pid: number): number {
  let ticks = 0;
  for (const p of tree(pid)) {
    const f = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ");
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks / TICK;
}

// 1. Start to first publish: three starts of each agent, one at a time.
const startup = new Map<string, number[]>();
for (let round = 0; round < 3; round++) {
  for (const v of VARIANTS.filter((x) => x.agent)) {
    const id = `bench-start-${VARIANTS.indexOf(v)}-${round}`;
    const t0 = performance.now();
    const child = start(v, id);
    while (!firstPublish.has(id) && child.exitCode === null && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
    const ms = (firstPublish.get(id) ?? Number.NaN) - t0;
    startup.set(v.name, [...(startup.get(v.name) ?? []), ms]);
    await stop(child);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// 2. All side by side for `minutes`.
const running = VARIANTS.map((v, i) => ({ v, id: `bench-run-${i}`, child: start(v, `bench-run-${i}`) }));
const settleMs = Math.min(60_000, (minutes * 60_000) / 4);
await new Promise((r) => setTimeout(r, settleMs));
const cpuAtSettle = running.map((r) => cpuS(r.child.pid!));
const tSettle = performance.now();
await new Promise((r) => setTimeout(r, minutes * 60_000 - settleMs));
const windowS = (performance.now() - tSettle) / 1000;
const rows = running.map((r, i) => {
  const m = memory(r.child.pid!);
  const cpu = cpuS(r.child.pid!) - cpuAtSettle[i]!;
  const cycles = windowS / 60; // one diagnosis a minute, with its two heartbeats
  return {
    name: r.v.name,
    ...m,
    cpuMsPerCycle: r.v.agent ? (cpu * 1000) / cycles : Number.NaN,
    cpuSPerHour: (cpu * 3600) / windowS,
    startMs: r.v.agent ? median(startup.get(r.v.name)!) : Number.NaN,
    publishes: publishes.get(r.id) ?? 0,
  };
});
await Promise.all(running.map((r) => stop(r.child)));
await new Promise<void>((r) => server.close(() => r()));
await new Promise<void>((r) => broker.close(() => r()));
rmSync(work, { recursive: true, force: true });

const bare = rows[0]!;
const f = (n: number, d = 1) => (Number.isNaN(n) ? "-" : n.toFixed(d));
console.log(`\nuplink-agent on a simulated ${process.argv[3] ?? "healthy"} Pi, ${minutes} min, Node ${process.version}; CPU measured over the last ${(windowS / 60).toFixed(1)} min\n`);
console.log("| how it runs | RSS MB | PSS MB | RSS / bare | children | CPU ms / cycle | CPU s / hour | start to 1st publish ms | publishes |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.name} | ${f(r.rssMb)} | ${f(r.pssMb)} | ${f(r.rssMb / bare.rssMb, 2)} | ${r.children} | ${f(r.cpuMsPerCycle)} | ${f(r.cpuSPerHour, 2)} | ${f(r.startMs, 0)} | ${r.publishes} |`);
}
