import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { createTopics, type Diagnosis, type Envelope } from "@uplink/shared";
import type { Logger } from "pino";
import { healingHandlers } from "../commands/handlers.ts";
import { LeaseStore } from "../commands/lease-store.ts";
import type { AgentConfig } from "../config/schema.ts";
import { readFacts } from "../diagnose/facts.ts";
import type { DiagnoseOptions } from "../diagnose/options.ts";
import type { Snapshot } from "../diagnose/snapshot.ts";
import { errorMessage } from "../errors.ts";
import { Executor } from "../executor/executor.ts";
import { Journal } from "../executor/journal.ts";
import { LockTable } from "../executor/lock-table.ts";
import { setLinkMetricCommand } from "../heal/set-link-metric.ts";
import type { Host } from "../host/host.ts";
import type { ConnectionOptions } from "../mqtt/connection.ts";
import { Publisher } from "../mqtt/publisher.ts";
import type { Transport } from "../mqtt/transport.ts";
import { Outbox } from "../outbox/outbox.ts";
import { StorageHealth } from "../storage/storage-health.ts";
import type { Clock } from "./clock.ts";
import { scheduleCron } from "./cron.ts";
import { diffDiagnosis, sameDiagnosis } from "./diff-diagnosis.ts";
import { Healer } from "./healer.ts";
import { buildHeartbeat } from "./heartbeat.ts";
import { NetlinkWatcher } from "./netlink-watcher.ts";

export const AGENT_VERSION = "0.1.0";

export interface AgentDeps {
  config: AgentConfig;
  host: Host;
  clock: Clock;
  log: Logger;
  collect: (host: Host, options: DiagnoseOptions) => Promise<Snapshot>;
  assess: (snapshot: Snapshot, options: DiagnoseOptions) => Diagnosis;
  connect: (options: ConnectionOptions) => Transport;
  /** ./cron.ts by default; tests pass a scheduler they drive. */
  schedule?: (expression: string, fn: () => void) => { stop(): void };
  /** Tests shorten the catalog timeouts. */
  timeoutMs?: (name: string) => number;
}

export function diagnoseOptionsOf(config: AgentConfig): DiagnoseOptions {
  return { links: config.links, qmiDevice: config.modem.qmiDevice, resolvConfPath: config.resolvConfPath, probe: config.probe };
}

/**
 * The long-running agent: wires the outbox, the publisher, the MQTT connection, the executor and
 * the healer, and routes the three things that happen (a schedule tick, a netlink change, a
 * message) to them. It decides nothing itself.
 */
export class Agent {
  readonly bootId = randomUUID();
  readonly outbox: Outbox;
  readonly publisher: Publisher;
  readonly executor: Executor;
  readonly healer: Healer;
  /** Whether the data dir takes writes; every store reports to it and keeps going in memory when not. */
  readonly storage: StorageHealth;
  private readonly options: DiagnoseOptions;
  private transport: Transport | null = null;
  private will: Envelope | null = null;
  private last: { diagnosis: Diagnosis; snapshot: Snapshot } | null = null;
  private cycle: Promise<Diagnosis | null> | null = null;
  private again: string | null = null;
  private cronTask: { stop(): void } | null = null;
  private heartbeatTimer: unknown = null;
  private watcher: NetlinkWatcher | null = null;
  private stopping = false;
  diagnoses = 0;

  constructor(private readonly deps: AgentDeps) {
    const { config, clock, log } = deps;
    this.options = diagnoseOptionsOf(config);
    const topics = createTopics(config.topicRoot);
    this.storage = new StorageHealth({ clock, log: log.child({ component: "storage" }), retryMs: config.intervals.storageRetryS * 1000 });
    this.outbox = Outbox.open(join(config.dataDir, "outbox.jsonl"), {
      storage: this.storage,
      maxEntries: config.outbox.maxEntries,
      ...(config.outbox.auditPath ? { auditPath: config.outbox.auditPath } : {}),
      onCorruptLine: (line) => log.warn({ event: "outbox.corrupt-line", line }, "skipped a torn outbox line"),
    });
    this.publisher = new Publisher({ deviceId: config.deviceId, bootId: this.bootId, topics, outbox: this.outbox, clock, log: log.child({ component: "publisher" }) });
    this.executor = new Executor({
      deviceId: config.deviceId,
      topics,
      links: [config.links.wifi, config.links.cellular],
      sink: this.publisher,
      journal: Journal.open(join(config.dataDir, "journal.jsonl"), clock.now(), undefined, { storage: this.storage }),
      locks: new LockTable(),
      handlers: { ...healingHandlers, "link.metric": setLinkMetricCommand },
      env: {
        host: deps.host,
        config,
        leases: new LeaseStore(join(config.dataDir, "leases.json"), { storage: this.storage }),
        log: log.child({ component: "command" }),
        clock,
        diagnose: () => this.diagnoseNow("after a command"),
      },
      clock,
      log: log.child({ component: "executor" }),
      graceMs: config.rollback.graceS * 1000,
      ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
    });
    this.healer = new Healer({
      config,
      executor: this.executor,
      sink: this.publisher,
      clock,
      log: log.child({ component: "healer" }),
      statePath: join(config.dataDir, "preference.json"),
      storage: this.storage,
      rediagnose: (reason) => void this.diagnoseNow(reason),
    });
  }

  async start(): Promise<void> {
    const { config, log } = this.deps;
    const topics = createTopics(config.topicRoot);
    this.will = this.publisher.envelope();
    this.transport = this.deps.connect({
      config,
      will: { topic: topics.device(config.deviceId, "status"), payload: JSON.stringify({ ...this.will, state: "offline", reason: "connection lost (last will)" }) },
      subscriptions: [topics.device(config.deviceId, "cmd/req")],
      log: log.child({ component: "mqtt" }),
    });
    this.publisher.attach(this.transport);
    this.transport.onConnect(() => void this.announceOnline());
    this.transport.onMessage((topic, payload) => this.executor.handle(topic, payload));
    this.publisher.send("event", { type: "agent.started", agentVersion: AGENT_VERSION, links: [config.links.wifi, config.links.cellular] });
    log.info({ event: "agent.started", bootId: this.bootId, deviceId: config.deviceId, pending: this.outbox.depth }, "agent started");

    const schedule = this.deps.schedule ?? ((expr, fn) => scheduleCron(expr, fn));
    this.cronTask = schedule(config.intervals.diagnoseCron, () => void this.diagnoseNow("schedule"));
    this.watcher = new NetlinkWatcher({
      host: this.deps.host,
      clock: this.deps.clock,
      log: log.child({ component: "netlink" }),
      debounceMs: config.intervals.watchDebounceMs,
      onChange: (line) => void this.diagnoseNow(`netlink: ${line.slice(0, 120)}`),
    });
    this.watcher.start();
    this.scheduleHeartbeat();
    // A storage fault, or its end, is told at once rather than at the next scheduled heartbeat.
    this.storage.onChange(() => void (!this.stopping && this.sendHeartbeat()));
    this.storage.start();
    if (!this.storage.ok) void this.sendHeartbeat();
    void this.diagnoseNow("start");
  }

  /**
   * The retained `online` status, through the outbox like every message: it goes out after the
   * entries earlier boots left there, so the server meets the boots in the order they ran, and a
   * status lost with a killed process is sent again by the next one (its seq never a false gap).
   */
  private announceOnline(): void {
    this.publisher.send("status", { state: "online", agentVersion: AGENT_VERSION });
  }

  /** Runs a diagnosis, or joins the one running; one more runs after it if asked meanwhile. */
  diagnoseNow(reason: string): Promise<Diagnosis | null> {
    if (this.cycle) {
      this.again = reason;
      return this.cycle;
    }
    this.cycle = this.runCycle(reason).finally(() => {
      this.cycle = null;
      const next = this.again;
      this.again = null;
      if (next !== null && !this.stopping) void this.diagnoseNow(next);
    });
    return this.cycle;
  }

  get lastDiagnosis(): Diagnosis | null {
    return this.last?.diagnosis ?? null;
  }

  private async runCycle(reason: string): Promise<Diagnosis | null> {
    const { log } = this.deps;
    // The healer judges a fix only by a diagnosis collected after it.
    const collectedAt = this.deps.clock.now();
    try {
      const snapshot = await this.deps.collect(this.deps.host, this.options);
      const diagnosis = this.deps.assess(snapshot, this.options);
      this.diagnoses++;
      const prev = this.last?.diagnosis ?? null;
      for (const event of diffDiagnosis(prev, diagnosis)) {
        this.publisher.send("event", event);
        log.info({ event: event.type, ...event, reason }, event.type);
      }
      if (!sameDiagnosis(prev, diagnosis)) this.publisher.send("health", diagnosis);
      if (prev && diagnosis.selection.active !== null && prev.selection.active !== diagnosis.selection.active) {
        this.transport?.reconnect?.(`traffic moved from ${prev.selection.active ?? "nothing"} to ${diagnosis.selection.active}`);
      }
      this.last = { diagnosis, snapshot };
      if (!this.stopping) void this.healer.onDiagnosis(diagnosis, collectedAt);
      return diagnosis;
    } catch (err) {
      log.error({ event: "diagnose.failed", reason, err: errorMessage(err) }, "diagnosis failed");
      return null;
    }
  }

  private scheduleHeartbeat() {
    this.heartbeatTimer = this.deps.clock.setTimeout(() => {
      void this.sendHeartbeat().finally(() => {
        if (!this.stopping) this.scheduleHeartbeat();
      });
    }, this.deps.config.intervals.heartbeatS * 1000);
  }

  async sendHeartbeat(): Promise<void> {
    const { config, host } = this.deps;
    const snapshot = this.last?.snapshot;
    const facts = snapshot ? readFacts(snapshot) : null;
    const s = facts?.signal;
    const body = await buildHeartbeat({
      host,
      links: [config.links.wifi, config.links.cellular],
      diagnosis: this.last?.diagnosis ?? null,
      ...(snapshot?.get("vcgencmd.get_throttled") ? { throttled: snapshot.get("vcgencmd.get_throttled")! } : {}),
      ...(s
        ? {
            signal: Object.fromEntries(
              Object.entries(s).filter(([k, v]) => ["radio", "rssiDbm", "rsrpDbm", "rsrqDb", "sinrDb", "snrDb", "ecioDb"].includes(k) && v !== undefined),
            ),
          }
        : {}),
      outbox: { depth: this.outbox.depth, dropped: this.outbox.dropped },
      storage: this.storage.report(),
    });
    this.publisher.send("heartbeat", body);
  }

  /** SIGTERM: stop watching, let running commands finish (briefly), say offline, flush, close. */
  async stop(flushMs = 5_000): Promise<{ flushed: boolean }> {
    const { log, clock } = this.deps;
    this.stopping = true;
    this.cronTask?.stop();
    this.watcher?.stop();
    if (this.heartbeatTimer !== null) clock.clearTimeout(this.heartbeatTimer);
    this.storage.stop();
    await Promise.race([this.executor.idle(), new Promise((r) => setTimeout(r, flushMs))]);
    if (this.cycle) await this.cycle.catch(() => null);
    const flushed = await this.publisher.flush(flushMs);
    if (this.will) await this.publisher.publishStatus({ state: "offline", reason: "shutdown" }, this.will);
    await this.transport?.end();
    log.info({ event: "agent.stopped", flushed, pending: this.outbox.depth }, "agent stopped");
    return { flushed };
  }
}
