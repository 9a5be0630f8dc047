/**
 * How large a fleet one uplink server (embedded aedes + SQLite, its own process) holds on this
 * machine at a 30 s heartbeat with p99 publish-to-state delay under 1 s; the same load through a
 * bare aedes relay for comparison; and the command round trip with 1,000 devices online.
 *
 *   npx tsx bench/fleet-scale.ts
 *   BENCH_STEPS=1000,2500 BENCH_STEP_S=30 npx tsx bench/fleet-scale.ts      # shorter
 *   BENCH_CPU_PROF=/tmp/prof npx tsx bench/fleet-scale.ts                   # profile the server
 *
 * Delay: every simulated message carries `ts` (the moment it is handed to mqtt.js); the server
 * observes `now - ts` the moment the message has changed the fleet state (after validation, dedupe,
 * the store append and the reducer) into the `uplink_ingest_delay_seconds` histogram on /metrics.
 * All processes share one clock here, so it is exact up to the bucket; p50/p99 are interpolated
 * inside buckets (bounds ... 0.2, 0.3, 0.5, 0.75, 1, 1.5 s ...). The bare relay fills the same
 * histogram in its reader. Ends by itself within BENCH_MAX_S (default 900).
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { addDevice, addToken } from "../server/src/auth/credentials.ts";
import { openSqliteStore } from "../server/src/store/sqlite-store.ts";
import type { FleetDevice } from "../test/helpers/fleet-sim.ts";
import { startFleetPool, type FleetPool } from "./fleet/fleet-pool.ts";
import { parseScrape, quantileBetween, type Scrape } from "./fleet/prom-text.ts";

const STEPS = (process.env.BENCH_STEPS ?? "1000,2500,5000,10000").split(",").map(Number);
const STEP_S = Number(process.env.BENCH_STEP_S ?? 60);
const HEARTBEAT_MS = Number(process.env.BENCH_HEARTBEAT_MS ?? 30_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 300);
const BURST_DEVICES = Number(process.env.BENCH_BURST_DEVICES ?? 1000);
const BURST_MS = Number(process.env.BENCH_BURST_MS ?? 100);
const BURST_S = Number(process.env.BENCH_BURST_S ?? 15);
const MAX_S = Number(process.env.BENCH_MAX_S ?? 900);
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
const ROOT = resolve(import.meta.dirname, "..");
const CLK_TCK = 100;

const t0 = Date.now();
const deadline = setTimeout(() => {
  console.error(`fleet-scale: gave up after ${MAX_S} s`);
  process.exit(1);
}, MAX_S * 1000);
deadline.unref();
const log = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** CPU seconds and RSS of a process, from /proc. */
function procSample(pid: number): { cpuS: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuS, rssMiB: rss ? Number(rss[1]) / 1024 : NaN };
}

interface Target {
  name: string;
  mqttUrl: string;
  pid: number;
  scrape(): Promise<Scrape>;
  stop(): Promise<void>;
}

interface StepResult {
  target: string;
  devices: number;
  windowS: number;
  offered: number;
  ingested: number;
  p50: number | null;
  p99: number | null;
  backlog: number;
  rssMiB: number;
  cpuPct: number;
  genCpuPct: number;
  connectS: number;
}

const fmtMs = (s: number | null) => (s === null ? "-" : s === Infinity ? ">30000" : (s * 1000).toFixed(1));

function printStep(r: StepResult): void {
  log(
    `${r.target.padEnd(6)} ${String(r.devices).padStart(6)} devices: ${r.ingested.toFixed(1).padStart(7)} msg/s ingested ` +
      `(offered ${r.offered.toFixed(1)}), delay p50 ${fmtMs(r.p50)} ms p99 ${fmtMs(r.p99)} ms, backlog ${r.backlog}, ` +
      `server RSS ${r.rssMiB.toFixed(0)} MiB CPU ${r.cpuPct.toFixed(0)}% of a core; generator CPU ${r.genCpuPct.toFixed(0)}% ` +
      `(connect ${r.connectS.toFixed(1)} s)`,
  );
}

async function publishedTotal(pools: FleetPool[]): Promise<{ published: number; genCpuS: number }> {
  let published = 0;
  let genCpuS = 0;
  for (const p of pools) {
    const s = await p.stats();
    published += Object.values(s.stats.published).reduce((a, b) => a + b, 0);
    genCpuS += s.cpuS;
  }
  return { published, genCpuS };
}

/** Measures one window of steady load: what went in, what the target took, how fast. */
async function measure(target: Target, pools: FleetPool[], devices: number, windowS: number, connectS: number): Promise<StepResult> {
  const a = await target.scrape();
  const pa = procSample(target.pid);
  const ga = await publishedTotal(pools);
  const start = Date.now();
  await sleep(windowS * 1000);
  const b = await target.scrape();
  const pb = procSample(target.pid);
  const gb = await publishedTotal(pools);
  const elapsedS = (Date.now() - start) / 1000;
  return {
    target: target.name,
    devices,
    windowS: elapsedS,
    offered: (gb.published - ga.published) / elapsedS,
    ingested: (b.messagesIn - a.messagesIn) / elapsedS,
    p50: quantileBetween(a, b, 0.5),
    p99: quantileBetween(a, b, 0.99),
    backlog: gb.published - b.messagesIn,
    rssMiB: pb.rssMiB,
    cpuPct: ((pb.cpuS - pa.cpuS) / elapsedS) * 100,
    genCpuPct: ((gb.genCpuS - ga.genCpuS) / elapsedS) * 100,
    connectS,
  };
}

/** Lets a target catch up: until it has taken everything published, or `maxS`. */
async function drain(target: Target, pools: FleetPool[], maxS: number): Promise<number> {
  const until = Date.now() + maxS * 1000;
  for (;;) {
    const { published } = await publishedTotal(pools);
    const { messagesIn } = await target.scrape();
    if (messagesIn >= published || Date.now() > until) return published - messagesIn;
    await sleep(500);
  }
}

async function addPool(target: Target, devices: FleetDevice[], commandStepMs = 0): Promise<{ pool: FleetPool; connectS: number }> {
  const started = Date.now();
  const workers = devices.length >= 2000 ? WORKERS : 1;
  const pool = await startFleetPool(
    { mqttUrl: target.mqttUrl, heartbeatMs: HEARTBEAT_MS, jitter: 0.1, eventEvery: 20, healthEvery: 50, connectPerSecond: 500, commandStepMs },
    devices,
    workers,
  );
  const s = await pool.stats();
  if (s.stats.connectFailures > 0) log(`${target.name}: ${s.stats.connectFailures} of ${devices.length} devices failed to connect`);
  pool.begin();
  return { pool, connectS: (Date.now() - started) / 1000 };
}

/** Every device of the fleet publishes every BURST_MS: how many messages/s the target takes. */
async function burst(target: Target, pools: FleetPool[]): Promise<StepResult> {
  const [first, ...others] = pools;
  for (const p of others) p.pause();
  first!.setHeartbeatMs(BURST_MS);
  const r = await measure(target, pools, first!.size, BURST_S, 0);
  first!.pause();
  const left = await drain(target, pools, 120);
  if (left > 0) log(`${target.name}: ${left} messages still not taken 120 s after the burst`);
  return r;
}

async function commandRoundTrip(httpUrl: string, token: string, deviceIds: string[]): Promise<{ p50: number; p99: number; n: number; failed: number }> {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const startedAt = new Map<string, number>();
  const done = new Map<string, number>();
  const abort = new AbortController();
  const stream = await fetch(`${httpUrl}/api/v1/stream?types=command`, { headers, signal: abort.signal });
  const reader = stream.body!.getReader();
  const reading = (async () => {
    let buf = "";
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done: end } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (end) return;
      buf += decoder.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = frame.split("\n").find((l) => l.startsWith("data: "));
        if (!data) continue;
        const cmd = JSON.parse(data.slice(6)) as { id: string; state: string };
        if (cmd.state === "succeeded" && !done.has(cmd.id)) done.set(cmd.id, performance.now());
      }
    }
  })();
  let failed = 0;
  let next = 0;
  // Ten operators at once, each sending the next command when the last one was answered by the API.
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < COMMANDS) {
        const deviceId = deviceIds[next++ % deviceIds.length]!;
        const t = performance.now();
        const res = await fetch(`${httpUrl}/api/v1/devices/${deviceId}/commands`, { method: "POST", headers, body: JSON.stringify({ name: "diagnose", args: {} }) });
        if (res.status !== 201) {
          failed += 1;
          continue;
        }
        const { id } = (await res.json()) as { id: string };
        startedAt.set(id, t);
        const until = Date.now() + 10_000;
        while (!done.has(id) && Date.now() < until) await sleep(2);
        if (!done.has(id)) failed += 1;
      }
    }),
  );
  abort.abort();
  await reading;
  const rtts = [...startedAt].filter(([id]) => done.has(id)).map(([id, t]) => done.get(id)! - t).sort((a, b) => a - b);
  const pct = (p: number) => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))] ?? NaN;
  return { p50: pct(0.5), p99: pct(0.99), n: rtts.length, failed };
}

// --- uplink -------------------------------------------------------------------------------------

const maxDevices = Math.max(...STEPS, BURST_DEVICES);
const dir = mkdtempSync(join(tmpdir(), "uplink-fleet-"));
const devices: FleetDevice[] = [];
let token: string;
{
  const store = openSqliteStore(join(dir, "uplink.db"));
  const ids = Array.from({ length: maxDevices }, (_, i) => `fleet-${String(i).padStart(5, "0")}`);
  for (let i = 0; i < ids.length; i += 64) {
    const made = await Promise.all(ids.slice(i, i + 64).map((id) => addDevice(store, id)));
    devices.push(...made.map((c) => ({ deviceId: c.deviceId, password: c.password })));
  }
  ({ token } = await addToken(store, "bench"));
  store.close();
}
log(`registered ${devices.length} devices in ${dir}`);

async function startUplink(ports?: { httpPort: number; mqttPort: number }): Promise<Target & { httpUrl: string; httpPort: number; mqttPort: number }> {
  const { httpPort, mqttPort } = ports ?? { httpPort: await freePort(), mqttPort: await freePort() };
  const args = [join(ROOT, "server/bin/uplink-server.js"), "--data", dir, "--http-port", String(httpPort), "--mqtt-port", String(mqttPort)];
  const execArgv = PROFILE_DIR ? ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR] : [];
  const child = spawn(process.execPath, [...execArgv, ...args], {
    env: { ...process.env, UPLINK_LOG_LEVEL: process.env.UPLINK_LOG_LEVEL ?? "warn" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const logFile = join(dir, "server.log");
  child.stderr!.pipe(createWriteStream(logFile));
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${httpUrl}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 300 || child.exitCode !== null) throw new Error(`uplink-server did not start; see ${logFile}`);
    await sleep(100);
  }
  return {
    name: "uplink",
    httpUrl,
    httpPort,
    mqttPort,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    pid: child.pid!,
    scrape: async () => parseScrape(await (await fetch(`${httpUrl}/metrics`)).text()),
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(20_000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

async function startBare(): Promise<Target> {
  const child: ChildProcess = fork(join(ROOT, "bench/bare-broker.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((res) => child.once("message", (m: { port: number }) => res(m.port)));
  return {
    name: "bare",
    mqttUrl: `mqtt://127.0.0.1:${port}`,
    pid: child.pid!,
    scrape: () =>
      new Promise((res) => {
        const on = (m: { type: string; text: string }) => {
          if (m.type !== "metrics") return;
          child.off("message", on);
          res(parseScrape(m.text));
        };
        child.on("message", on);
        child.send({ type: "metrics" });
      }),
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** The few series of /metrics this bench reads that parseScrape does not. */
async function scrapeText(httpUrl: string): Promise<{ statusIn: number; gaps: number; online: number }> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return {
    statusIn: num(/^uplink_messages_in_total\{channel="status"\} (\d+)$/m),
    gaps: num(/^uplink_seq_gaps (\d+)$/m),
    online: num(/^uplink_devices_online (\d+)$/m),
  };
}

/**
 * Restarts uplink under a connected fleet and times how long until every device has reconnected
 * and its `online` status has been taken (each simulated device announces itself on connect).
 */
async function reconnectStorm(target: Awaited<ReturnType<typeof startUplink>>, pools: FleetPool[]) {
  const n = pools.reduce((a, p) => a + p.size, 0);
  for (const p of pools) p.pause();
  await target.stop();
  const spawnedAt = Date.now();
  const server = await startUplink({ httpPort: target.httpPort, mqttPort: target.mqttPort });
  const listeningS = (Date.now() - spawnedAt) / 1000;
  let seen = { statusIn: 0, gaps: 0, online: 0 };
  while (Date.now() - spawnedAt < 120_000) {
    seen = await scrapeText(server.httpUrl);
    if (seen.statusIn >= n) break;
    await sleep(100);
  }
  const seconds = (Date.now() - spawnedAt) / 1000;
  log(`reconnect storm: ${seen.statusIn} of ${n} devices back online ${seconds.toFixed(1)} s after the restart (listening after ${listeningS.toFixed(1)} s), ${seen.online} online in the state, gaps ${seen.gaps}`);
  return { n, seconds, listeningS, back: seen.statusIn, online: seen.online, gaps: seen.gaps, server };
}

/** The ladder: grow the fleet step by step until the p99 delay passes 1 s. */
async function ladder(target: Target, steps: number[], onFirstStep?: (pools: FleetPool[]) => Promise<void>): Promise<{ results: StepResult[]; pools: FleetPool[] }> {
  const results: StepResult[] = [];
  const pools: FleetPool[] = [];
  let online = 0;
  for (const n of steps) {
    const { pool, connectS } = await addPool(target, devices.slice(online, n));
    pools.push(pool);
    online = n;
    const r = await measure(target, pools, n, STEP_S, connectS);
    results.push(r);
    printStep(r);
    if (results.length === 1 && onFirstStep) await onFirstStep(pools);
    if (r.p99 === null || r.p99 >= 1 || r.backlog > r.offered * 5) {
      log(`${target.name}: p99 over 1 s or falling behind at ${n} devices; the ladder stops here`);
      break;
    }
  }
  return { results, pools };
}

const uplink = await startUplink();
log(`uplink-server pid ${uplink.pid}: ${uplink.httpUrl}, ${uplink.mqttUrl}`);
let rtt: Awaited<ReturnType<typeof commandRoundTrip>> | null = null;
const up = await ladder(uplink, STEPS, async (pools) => {
  rtt = await commandRoundTrip(uplink.httpUrl, token, devices.slice(0, pools[0]!.size).map((d) => d.deviceId));
  log(`uplink command round trip (POST -> succeeded on SSE), ${pools[0]!.size} devices online: p50 ${rtt.p50.toFixed(1)} ms, p99 ${rtt.p99.toFixed(1)} ms (${rtt.n} commands, ${rtt.failed} failed)`);
});
const upBurst = await burst(uplink, up.pools);
printStep({ ...upBurst, target: "uplink" });
const upGaps = (await scrapeText(uplink.httpUrl)).gaps;
const storm = await reconnectStorm(uplink, up.pools);
for (const p of up.pools) await p.stop();
await storm.server.stop();
const idle = STEPS.filter((n) => up.results.some((r) => r.devices === n && r.p99 !== null && r.p99 < 1));
const held = idle.at(-1) ?? 0;

// --- bare aedes ----------------------------------------------------------------------------------

const bare = await startBare();
log(`bare aedes relay pid ${bare.pid}: ${bare.mqttUrl}`);
const bareSteps = held > 0 ? [Math.min(held, BURST_DEVICES), held].filter((n, i, a) => a.indexOf(n) === i) : [BURST_DEVICES];
const bl = await ladder(bare, bareSteps);
const bareBurst = await burst(bare, bl.pools);
printStep({ ...bareBurst, target: "bare" });
for (const p of bl.pools) await p.stop();
await bare.stop();

// --- summary -------------------------------------------------------------------------------------

console.log("\nfleet-scale summary (heartbeat %d s, jitter 10%, every 20th message an event, every 50th a health change)", HEARTBEAT_MS / 1000);
console.log("target  devices  msg/s in  offered  p50 ms   p99 ms   RSS MiB  server CPU  generator CPU");
for (const r of [...up.results, ...bl.results]) {
  console.log(
    `${r.target.padEnd(7)} ${String(r.devices).padStart(7)} ${r.ingested.toFixed(1).padStart(9)} ${r.offered.toFixed(1).padStart(8)} ` +
      `${fmtMs(r.p50).padStart(7)} ${fmtMs(r.p99).padStart(8)} ${r.rssMiB.toFixed(0).padStart(8)} ${(r.cpuPct.toFixed(0) + "%").padStart(11)} ${(r.genCpuPct.toFixed(0) + "%").padStart(14)}`,
  );
}
console.log(`largest fleet uplink held at p99 < 1 s: ${held} devices (steps tried: ${up.results.map((r) => r.devices).join(", ")})`);
console.log(
  `burst (${BURST_DEVICES} devices, one message each every ${BURST_MS} ms, ${BURST_S} s): uplink ${upBurst.ingested.toFixed(0)} msg/s ` +
    `(p99 ${fmtMs(upBurst.p99)} ms, CPU ${upBurst.cpuPct.toFixed(0)}%), bare aedes ${bareBurst.ingested.toFixed(0)} msg/s (p99 ${fmtMs(bareBurst.p99)} ms, CPU ${bareBurst.cpuPct.toFixed(0)}%); ` +
    `generator CPU ${upBurst.genCpuPct.toFixed(0)}% / ${bareBurst.genCpuPct.toFixed(0)}%`,
);
const cpuMsPerMessage = (r: StepResult) => ((r.cpuPct / 100) * 1000) / r.ingested;
console.log(`ratio of uplink's ingest rate to the bare broker's: ${(upBurst.ingested / bareBurst.ingested).toFixed(2)}`);
console.log(`server CPU per message in the burst: uplink ${cpuMsPerMessage(upBurst).toFixed(3)} ms, bare aedes ${cpuMsPerMessage(bareBurst).toFixed(3)} ms`);
console.log(
  `overload: uplink ${upBurst.ingested.toFixed(0)} msg/s, bare aedes ${bareBurst.ingested.toFixed(0)} msg/s, ratio ${(upBurst.ingested / bareBurst.ingested).toFixed(2)}, ` +
    `uplink p99 ${fmtMs(upBurst.p99)} ms, gaps ${upGaps}`,
);
console.log(`reconnect storm: ${storm.back} of ${storm.n} devices in ${storm.seconds.toFixed(1)} s (server listening after ${storm.listeningS.toFixed(1)} s; ${storm.online} online in the state, gaps ${storm.gaps})`);
if (rtt) {
  const r = rtt as Awaited<ReturnType<typeof commandRoundTrip>>;
  console.log(`command round trip, API POST -> device's succeeded, ${Math.min(STEPS[0]!, maxDevices)} devices online: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${r.n} commands)`);
}
if (PROFILE_DIR) console.log(`server CPU profile in ${PROFILE_DIR}`);
rmSync(dir, { recursive: true, force: true });
clearTimeout(deadline);
process.exit(0);
