import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { readAudit, type AuditLine } from "../../agent/src/outbox/audit.ts";
import { ROOT, runBin } from "../helpers/run-bin.ts";
import { freePort } from "../helpers/free-port.ts";

/**
 * The fault suite (issue 11): "seq gaps 0" must mean "nothing was lost". The real server (the
 * embedded broker, SQLite in a data dir) and two real agents on simulated Pis, each recording every
 * outbox entry it ever wrote (`outbox.auditPath`), go through rounds of faults: the server killed
 * (SIGKILL) while the agents queue and an agent killed and restarted during that outage, the server
 * killed mid-stream (twice in a row while the backlog drains), and both killed in turns. At the end
 * the agents stop cleanly, and every audited entry (heartbeat, health, event, command response)
 * must be in the store, and the API's `delivery.gaps` must equal what is really missing: 0.
 *
 * It runs with the rest of the e2e project (as root); `npm run test:faults` runs it alone: two to
 * three and a half minutes, depending on the machine's load. UPLINK_FAULT_ROUNDS=N changes the
 * number of rounds (10); UPLINK_FAULTS_KEEP=1 keeps the data dirs (the server's uplink.db, each
 * agent's audit) in $TMPDIR.
 */
const ROUNDS = Number(process.env.UPLINK_FAULT_ROUNDS ?? 10);
const SNAPSHOTS = join(ROOT, "test/fixtures/snapshots");
/** A long outage queues more than the publisher's window (16) before the agent is killed. */
const LONG_OUTAGE_ENTRIES = 18;

/** What the suite did when (kills, starts, rounds), to read the written times of missing entries against. */
const timeline: string[] = [];
/** How long process starts took (ms): most of the suite's wall time on a loaded machine. */
const startTimes = { server: [] as number[], agent: [] as number[] };
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length / 1000 : 0).toFixed(1);
const clock = (ms = Date.now()) => new Date(ms).toISOString().slice(11, 23);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds; an error it throws (a process exited) ends the wait at once. */
async function waitFor(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>, everyMs = 100): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}


/** A child process of ours: its output (the tail), its exit. */
class Proc {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  private out = "";

  constructor(private readonly label: string) {}

  spawn(args: string[]): void {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    const keep = (b: Buffer) => {
      this.out += b.toString();
      if (this.out.length > 400_000) this.out = this.out.slice(-200_000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
    this.event(`spawned (pid ${child.pid})`);
  }

  note(line: string): void {
    this.out += `\n--- ${new Date().toISOString()} ${this.label}: ${line}\n`;
  }

  /** A kill or a start: in the process's output and on the suite's timeline. */
  private event(line: string): void {
    this.note(line);
    timeline.push(`${clock()} ${this.label} ${line}`);
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends the signal and waits for the exit; its exit code (-1 when killed by a signal). */
  async kill(signal: NodeJS.Signals, timeoutMs = 20_000): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return child?.exitCode ?? null;
    this.event(signal);
    child.kill(signal);
    const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const code = await this.exited;
    clearTimeout(killer);
    return code;
  }

  output(tail = 6000): string {
    return this.out.slice(-tail);
  }
}

class ServerProc {
  readonly dataDir = mkdtempSync(join(tmpdir(), "uplink-faults-server-"));
  readonly proc = new Proc("server");
  token = "";
  starts = 0;

  constructor(
    readonly httpPort: number,
    readonly mqttPort: number,
  ) {}

  get db(): string {
    return join(this.dataDir, "uplink.db");
  }

  async start(): Promise<void> {
    this.proc.spawn([join(ROOT, "server/bin/uplink-server.js"), "--data", this.dataDir, "--http-port", String(this.httpPort), "--mqtt-port", String(this.mqttPort)]);
    this.starts++;
    const since = Date.now();
    await waitFor("uplink-server answers /healthz", 60_000, async () => {
      if (!this.proc.running) throw new Error("uplink-server exited (its output is below)");
      return fetch(`http://127.0.0.1:${this.httpPort}/healthz`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok, () => false);
    });
    startTimes.server.push(Date.now() - since);
    if (!this.token) {
      const made = await runBin("server/bin/uplink.js", ["token", "add", "faults", "--data", this.dataDir, "--json"]);
      if (made.code !== 0) throw new Error(`uplink token add: ${made.stderr}`);
      this.token = (JSON.parse(made.stdout) as { token: string }).token;
    }
  }

  async api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${this.httpPort}/api/v1${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${this.token}`, ...(init.body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async metrics(): Promise<string> {
    return fetch(`http://127.0.0.1:${this.httpPort}/metrics`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text());
  }

  remove(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

class AgentProc {
  readonly dir = mkdtempSync(join(tmpdir(), "uplink-faults-agent-"));
  readonly proc: Proc;
  readonly audit: string;
  readonly boots: string[] = [];

  constructor(
    readonly deviceId: string,
    private readonly snapshot: string,
    private readonly healing: boolean,
  ) {
    this.proc = new Proc(deviceId);
    this.audit = join(this.dir, "outbox-audit.jsonl");
  }

  writeConfig(mqttPort: number, password: string): void {
    const config = {
      deviceId: this.deviceId,
      broker: { url: `mqtt://127.0.0.1:${mqttPort}`, username: this.deviceId, password, keepaliveS: 5, reconnectS: 1, connectTimeoutS: 2 },
      dataDir: join(this.dir, "state"),
      intervals: { heartbeatS: 1, diagnoseCron: "*/3 * * * * *", watchDebounceMs: 200 },
      healing: { enabled: this.healing, backoff: { initialS: 2, maxS: 8, factor: 2 }, maxPerHour: { "dhcp.renew": 60, "qmi.restart": 60, "modem.reset": 60, reboot: 0 } },
      rollback: { graceS: 5 },
      // Large enough that no heartbeat is shed in the suite: a shed one would be a gap by design.
      outbox: { maxEntries: 100_000, auditPath: this.audit },
      logLevel: "info",
    };
    writeFileSync(join(this.dir, "agent.json"), JSON.stringify(config));
  }

  lines(): AuditLine[] {
    return readAudit(this.audit);
  }

  /** Entries audited so far (adds). */
  written(): number {
    return this.lines().filter((l) => l.op === "add").length;
  }

  /** Starts the agent; resolves once its new boot wrote its first outbox entry. */
  async start(): Promise<void> {
    const known = new Set(this.lines().map((l) => bootOf(l.id)));
    const since = Date.now();
    this.proc.spawn([join(ROOT, "agent/bin/uplink-agent.js"), "run", "--config", join(this.dir, "agent.json"), "--simulate", join(SNAPSHOTS, this.snapshot)]);
    await waitFor(`${this.deviceId} started (a new boot in its audit)`, 60_000, () => {
      if (!this.proc.running) throw new Error(`${this.deviceId} exited (its output is below)`);
      const fresh = this.lines().find((l) => !known.has(bootOf(l.id)));
      if (fresh) this.boots.push(bootOf(fresh.id));
      return fresh !== undefined;
    });
    startTimes.agent.push(Date.now() - since);
  }

  /** Waits until it wrote `n` more entries than `from`. */
  async queued(from: number, n: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(`${this.deviceId} to write ${n} more outbox entries`, timeoutMs, () => {
      if (!this.proc.running) throw new Error(`${this.deviceId} exited (its output is below)`);
      return this.written() - from >= n;
    });
  }

  /** What its outbox file still holds. */
  pending(): string[] {
    const file = join(this.dir, "state", "outbox.jsonl");
    if (!existsSync(file)) return [];
    const ids = new Set<string>();
    for (const raw of readFileSync(file, "utf8").split("\n")) {
      if (!raw.trim()) continue;
      try {
        const line = JSON.parse(raw) as { a?: { id: string }; d?: string };
        if (line.a) ids.add(line.a.id);
        else if (line.d) ids.delete(line.d);
      } catch {
        // torn
      }
    }
    return [...ids];
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves as soon as one of these agents' outboxes loses an entry it holds now: the broker took it. */
async function whenDraining(agents: AgentProc[], timeoutMs = 60_000): Promise<void> {
  const held = agents.map((a) => new Set(a.pending()));
  if (held.every((h) => h.size === 0)) return;
  await waitFor("an agent's backlog to start draining", timeoutMs, () => agents.some((a, i) => {
    const now = new Set(a.pending());
    return [...held[i]!].some((id) => !now.has(id));
  }), 20);
}

const bootOf = (id: string) => id.slice(0, id.lastIndexOf(":"));
const seqOf = (id: string) => Number(id.slice(id.lastIndexOf(":") + 1));

/** Every (bootId:seq) the store holds for a device: heartbeats, health, events, statuses, command responses. */
function storedIds(dbFile: string, deviceId: string): Set<string> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const ids = new Set<string>();
    for (const table of ["heartbeats", "health", "events", "statuses"]) {
      for (const r of db.prepare(`SELECT boot_id, seq FROM ${table} WHERE device_id = ?`).all(deviceId) as { boot_id: string | null; seq: number | null }[]) {
        if (r.boot_id !== null && r.seq !== null) ids.add(`${r.boot_id}:${r.seq}`);
      }
    }
    for (const r of db.prepare("SELECT json FROM commands WHERE device_id = ?").all(deviceId) as { json: string }[]) {
      for (const res of (JSON.parse(r.json) as { responses?: { bootId: string; seq: number }[] }).responses ?? []) ids.add(`${res.bootId}:${res.seq}`);
    }
    return ids;
  } finally {
    db.close();
  }
}

/** The server's seq receipt of a device, as it saved it. */
function savedReceipt(dbFile: string, deviceId: string): unknown {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("SELECT state_json FROM device_state WHERE device_id = ?").get(deviceId) as { state_json: string } | undefined;
    return row ? (JSON.parse(row.state_json) as { seq?: unknown }).seq ?? null : null;
  } finally {
    db.close();
  }
}

/** 3,4,5,9 -> "3-5,9" */
function ranges(seqs: number[]): string {
  const s = [...seqs].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    out.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return out.join(",");
}

/** Missing entries of one boot in runs: "21-24 (heartbeat, written 07:44:21.274-07:44:24.300)". */
function described(lines: Extract<AuditLine, { op: "add" }>[]): string {
  const runs: Extract<AuditLine, { op: "add" }>[][] = [];
  for (const l of lines) {
    const run = runs.at(-1);
    if (run && seqOf(l.id) - seqOf(run.at(-1)!.id) <= 2) run.push(l);
    else runs.push([l]);
  }
  return runs
    .map((run) => {
      const first = run[0]!;
      const last = run.at(-1)!;
      const classes = [...new Set(run.map((l) => l.cls))].join("/");
      const seqs = first === last ? `${seqOf(first.id)}` : `${seqOf(first.id)}-${seqOf(last.id)}${run.length < seqOf(last.id) - seqOf(first.id) + 1 ? ` (${run.length})` : ""}`;
      return `${seqs} ${classes} written ${clock(first.at)}${first === last ? "" : `-${clock(last.at)}`}`;
    })
    .join("; ");
}

interface DeviceReport {
  deviceId: string;
  written: number;
  shed: number;
  stored: number;
  missing: string[];
  boots: { bootId: string; written: number; missing: string; notInOutbox: string }[];
}

function compare(agent: AgentProc, stored: Set<string>): DeviceReport {
  const lines = agent.lines();
  const added = lines.filter((l): l is Extract<AuditLine, { op: "add" }> => l.op === "add");
  const shed = new Set(lines.filter((l) => l.op === "shed").map((l) => l.id));
  const expected = [...new Set(added.map((l) => l.id))].filter((id) => !shed.has(id));
  const missing = expected.filter((id) => !stored.has(id));
  const boots = [...new Set(added.map((l) => bootOf(l.id)))].map((bootId) => {
    const seqs = new Set(added.filter((l) => bootOf(l.id) === bootId).map((l) => seqOf(l.id)));
    const max = Math.max(...seqs);
    const notInOutbox: number[] = [];
    for (let s = 2; s <= max; s++) if (!seqs.has(s)) notInOutbox.push(s);
    return {
      bootId,
      written: seqs.size,
      missing: described(added.filter((l) => bootOf(l.id) === bootId && missing.includes(l.id))),
      // Seq 1 is the last will (or the clean `offline` in its place); every other seq is an entry.
      notInOutbox: ranges(notInOutbox),
    };
  });
  return { deviceId: agent.deviceId, written: expected.length, shed: shed.size, stored: expected.length - missing.length, missing, boots };
}

describe("the fault suite: every outbox entry ever written is stored, and the gap count says so", () => {
  let server: ServerProc;
  const agents: AgentProc[] = [];

  afterAll(async () => {
    for (const a of agents) await a.proc.kill("SIGKILL");
    await server?.proc.kill("SIGKILL");
    if (!process.env.UPLINK_FAULTS_KEEP) {
      for (const a of agents) a.remove();
      server?.remove();
    }
  });

  it(`survives ${ROUNDS} rounds of killed agents and servers without losing a message`, { timeout: 420_000 }, async () => {
    const t0 = Date.now();
    server = new ServerProc(await freePort(), await freePort());
    agents.push(new AgentProc("pi-fault-1", "healthy", false), new AgentProc("pi-fault-2", "no-packet-session", true));

    const log: string[] = [];
    const say = (line: string) => {
      const stamped = `[faults +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`;
      log.push(stamped);
      timeline.push(`${clock()} ${line}`);
      process.stdout.write(`${stamped}\n`);
      for (const a of agents) a.proc.note(line);
      server.proc.note(line);
    };
    const debug = () => [log.join("\n"), ...agents.map((a) => `== ${a.deviceId}\n${a.proc.output(3000)}`), `== server\n${server.proc.output(6000)}`].join("\n");

    /**
     * The stream flows again: the newest entry each agent has written by now has left its outbox
     * (the broker acknowledged it). Whether the server stored it is the final comparison's business,
     * so that a message the server drops does not stop the rounds.
     */
    const settle = async (what: string) => {
      const newest = agents.map((a) => a.lines().filter((l) => l.op === "add").at(-1)!.id);
      await waitFor(`the newest entries (${newest.join(", ")}) acknowledged ${what}`, 60_000, () => {
        if (!server.proc.running) throw new Error("the server exited (its output is below)");
        for (const a of agents) if (!a.proc.running) throw new Error(`${a.deviceId} exited (its output is below)`);
        return agents.every((a, i) => !a.pending().includes(newest[i]!));
      }, 250);
    };
    const command = async (deviceId: string) => {
      try {
        await server.api(`/devices/${deviceId}/commands`, { method: "POST", body: { name: "diagnose", args: {} } });
      } catch (err) {
        say(`(command to ${deviceId} not issued: ${(err as Error).message})`);
      }
    };
    const kinds = ["outage", "midstream", "both"] as const;

    try {
      await server.start();
      for (const a of agents) {
        const { password } = await server.api<{ password: string }>("/devices", { method: "POST", body: { deviceId: a.deviceId } });
        a.writeConfig(server.mqttPort, password);
      }
      await Promise.all(agents.map((a) => a.start()));
      await settle("after the start");
      for (let round = 0; round < ROUNDS; round++) {
        const kind = kinds[round % kinds.length]!;
        const victim = agents[Math.floor(round / kinds.length) % agents.length]!;
        const other = agents.find((a) => a !== victim)!;
        if (kind === "outage") {
          // The server goes away; the agents queue; one agent is killed and restarted during the
          // outage (twice in one round out of two); then the server comes back to the backlog.
          const long = round === 6;
          const twice = round % 2 === 1;
          say(`round ${round + 1}: outage (${long ? "long" : "short"}), ${victim.deviceId} killed${twice ? " twice" : ""} during it`);
          await server.proc.kill("SIGKILL");
          const from = victim.written();
          await victim.queued(from, long ? LONG_OUTAGE_ENTRIES : 3);
          for (let k = 0; k < (twice ? 2 : 1); k++) {
            await victim.proc.kill("SIGKILL");
            await victim.start();
          }
          await server.start();
        } else if (kind === "midstream") {
          // Commands in flight, heartbeats flowing: the server is killed at a random moment, and
          // (one round out of two) killed again just as the agents start draining their backlog.
          say(`round ${round + 1}: server killed mid-stream`);
          await Promise.all(agents.map((a) => command(a.deviceId)));
          await sleep(100 + Math.random() * 1200);
          await server.proc.kill("SIGKILL");
          await Promise.all(agents.map((a) => a.queued(a.written(), round % 2 === 1 ? 4 : 2)));
          if (round % 2 === 1) {
            const draining = whenDraining(agents);
            const started = server.start().catch(() => undefined);
            await draining;
            say(`round ${round + 1}: server killed again as the agents' backlog drains into it`);
            await server.proc.kill("SIGKILL");
            await started;
          }
          await server.start();
        } else {
          // Both in turns: the server and an agent at once; the agent back first (queuing), then
          // the server, and the other agent killed while it drains its backlog into the server.
          say(`round ${round + 1}: server and ${victim.deviceId} killed at once, then ${other.deviceId} while draining`);
          await command(other.deviceId);
          await sleep(Math.random() * 800);
          await Promise.all([server.proc.kill("SIGKILL"), victim.proc.kill("SIGKILL")]);
          await victim.start();
          const draining = whenDraining([other]);
          await server.start();
          await draining;
          await other.proc.kill("SIGKILL");
          await other.start();
        }
        await settle(`after round ${round + 1}`);
      }

      // The end: both agents stop cleanly (SIGTERM flushes the outbox), the rest reaches the store.
      say("stopping the agents");
      const codes = await Promise.all(agents.map((a) => a.proc.kill("SIGTERM")));
      for (const [i, a] of agents.entries()) {
        expect(codes[i], `${a.deviceId} exits 0 on SIGTERM:\n${a.proc.output()}`).toBe(0);
        expect(a.pending(), `${a.deviceId}'s outbox after a clean stop`).toEqual([]);
      }
      const complete = () => {
        try {
          return agents.every((a) => compare(a, storedIds(server.db, a.deviceId)).missing.length === 0);
        } catch {
          return false; // the store busy: again
        }
      };
      await waitFor("every audited entry in the store", 15_000, complete, 250).catch(() => say("not everything reached the store: comparing what did"));
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${debug()}`, { cause: err });
    }

    const views = await Promise.all(agents.map((a) => server.api<{ delivery: { gaps: number; received: number; stale: number; duplicates: number } }>(`/devices/${a.deviceId}`)));
    const metrics = (await server.metrics())
      .split("\n")
      .filter((l) => /^uplink_(messages_(stale|duplicate|late|rejected)_total|seq_skipped_total)/.test(l))
      .join("; ");
    expect(await server.proc.kill("SIGTERM"), `the server exits 0 on SIGTERM:\n${server.proc.output()}`).toBe(0);

    const reports = agents.map((a) => compare(a, storedIds(server.db, a.deviceId)));
    const written = reports.reduce((n, r) => n + r.written, 0);
    const stored = reports.reduce((n, r) => n + r.stored, 0);
    const gaps = views.reduce((n, v) => n + v.delivery.gaps, 0);
    const shed = reports.reduce((n, r) => n + r.shed, 0);
    const summary =
      `fault suite: ${ROUNDS} rounds, ${server.starts} server starts, ${agents.reduce((n, a) => n + a.boots.length, 0)} agent boots, ` +
      `${written} outbox entries written, ${stored} stored (${written ? ((100 * stored) / written).toFixed(2) : "100.00"} %), ` +
      `${written - stored} missing, API gaps ${gaps}, shed ${shed}, ${((Date.now() - t0) / 1000).toFixed(0)} s ` +
      `(a server start took ${mean(startTimes.server)} s, an agent's ${mean(startTimes.agent)} s on average)`;
    process.stdout.write(`${summary}\n`);
    const detail = [
      summary,
      `server metrics since its last start: ${metrics}`,
      ...reports.map((r, i) => {
        const boots = r.boots.map((b) => `    boot ${b.bootId}: ${b.written} written, missing [${b.missing}], not in the outbox [${b.notInOutbox}]`).join("\n");
        return `  ${r.deviceId}: ${r.written} written, ${r.stored} stored, API delivery ${JSON.stringify(views[i]!.delivery)}\n    saved receipt ${JSON.stringify(savedReceipt(server.db, r.deviceId))}\n${boots}`;
      }),
      "timeline:",
      timeline.join("\n"),
    ].join("\n");

    expect(shed, `no entry shed (outbox.maxEntries is large)\n${detail}`).toBe(0);
    for (const [i, r] of reports.entries()) {
      expect(r.missing, `${r.deviceId}: every outbox entry ever written is stored\n${detail}`).toEqual([]);
      expect(views[i]!.delivery.gaps, `${r.deviceId}: the API's gap count is what is really missing\n${detail}`).toBe(r.missing.length);
    }
    expect(written).toBeGreaterThan(ROUNDS * 10);
  });
});
