import type { Diagnosis, Fix, LayerName } from "@uplink/shared";
import type { Logger } from "pino";
import type { AgentConfig } from "../config/schema.ts";
import type { Executor } from "../executor/executor.ts";
import type { MessageSink } from "../executor/message-sink.ts";
import { closeEpisodes, decide, type Attempt } from "../heal/decide.ts";
import { initialPreference, stepPreference, type PreferenceState } from "../heal/preference.ts";
import { problemsOf } from "../heal/problems.ts";
import { SETTLE_MS, verify, type Unverified } from "../heal/verify.ts";
import { DurableFile } from "../storage/durable-file.ts";
import type { StorageHealth } from "../storage/storage-health.ts";
import type { Clock } from "./clock.ts";

export interface HealerDeps {
  config: AgentConfig;
  executor: Pick<Executor, "runInternal">;
  sink: MessageSink;
  clock: Clock;
  log: Logger;
  /** Where the Wi-Fi's demotion survives a restart (a demoted route outlives the agent). */
  statePath: string | null;
  /** The data dir's health, which a failed save of the preference reports to. */
  storage?: StorageHealth;
  /** Asks for a fresh diagnosis after a fix, to see whether it worked. */
  rediagnose: (reason: string) => void;
}

interface Fields {
  cause: string;
  link?: string;
  command: Fix;
  attempt: number;
}

/** The layer a remediation is for: it succeeded only when that layer is fixed afterwards. */
interface Target {
  link: string;
  layer: LayerName;
  strict?: boolean;
}

/**
 * The thin effectful side of healing: the decisions are `decide` and `stepPreference`; this
 * carries them out one at a time through the executor (same handlers, same locks as an
 * operator's command) and reports each step as remediation events.
 */
export class Healer {
  private history: Attempt[] = [];
  private preference: PreferenceState;
  private busy = false;
  /** The demotion as last saved; memory keeps it while the disk refuses writes. */
  private savedDemoted = false;
  private readonly stateFile: DurableFile | null;
  /** The last remediation whose command ran well, until a later diagnosis says whether it fixed its layer. */
  private unverified: (Unverified & { fields: Fields; attempt: Attempt | null }) | null = null;
  private settleTimer: unknown = null;

  constructor(private readonly deps: HealerDeps) {
    this.stateFile = deps.statePath
      ? new DurableFile(deps.statePath, { render: () => JSON.stringify({ demoted: this.savedDemoted }) }, deps.storage ? { health: deps.storage } : {})
      : null;
    this.savedDemoted = this.loadDemoted();
    this.preference = { ...initialPreference, demoted: this.savedDemoted };
  }

  get attempts(): readonly Attempt[] {
    return this.history;
  }

  /**
   * Called after every diagnosis (`collectedAt`: when its collection began); first settles whether
   * the last fix worked, then does at most one thing, and asks to look again.
   */
  async onDiagnosis(diagnosis: Diagnosis, collectedAt?: number): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (this.unverified && !this.settle(diagnosis, collectedAt ?? this.deps.clock.now())) return;
      if (await this.stepPreference(diagnosis)) return;
      const now = this.deps.clock.now();
      const problems = problemsOf(diagnosis);
      this.history = closeEpisodes(this.history, new Set(problems.map((p) => p.key)), now);
      for (const problem of problems) {
        const decision = decide(problem, this.history, now, this.deps.config.healing);
        if (decision.kind === "wait") {
          this.deps.log.debug({ event: "remediation.waiting", key: problem.key, why: decision.why }, decision.why);
          continue;
        }
        const target = problem.layer ? { link: problem.link, layer: problem.layer } : null;
        await this.remediate(problem.cause, problem.link === "host" ? undefined : problem.link, decision.command, decision.attempt, problem.key, target);
        this.deps.rediagnose(`after ${decision.command.name}`);
        return;
      }
    } finally {
      this.busy = false;
    }
  }

  /**
   * Whether the last fix worked, from a diagnosis collected after it: `remediation.succeeded` when
   * its layer is fixed, `remediation.failed` (it ran, and did not fix) when not. False while it
   * may still take effect: nothing else is done meanwhile.
   */
  private settle(diagnosis: Diagnosis, collectedAt: number): boolean {
    const u = this.unverified!;
    const { sink, log, clock } = this.deps;
    const verdict = verify(u, diagnosis, collectedAt);
    if (verdict.kind === "wait") {
      const settleMs = SETTLE_MS[u.command] ?? 0;
      if (settleMs > 0 && this.settleTimer === null) {
        // Look again when the fix has had its time, whatever else triggers a diagnosis.
        this.settleTimer = clock.setTimeout(() => {
          this.settleTimer = null;
          this.deps.rediagnose(`checking whether ${u.command} fixed ${u.cause}`);
        }, Math.max(1000, u.ranAt + settleMs - clock.now() + 1000));
        (this.settleTimer as { unref?: () => void } | null)?.unref?.();
      }
      log.debug({ event: "remediation.settling", ...u.fields, why: verdict.why }, verdict.why);
      return false;
    }
    this.unverified = null;
    if (this.settleTimer !== null) {
      clock.clearTimeout(this.settleTimer);
      this.settleTimer = null;
    }
    if (u.attempt) u.attempt.ok = verdict.kind === "fixed";
    if (verdict.kind === "fixed") {
      sink.send("event", { type: "remediation.succeeded", ...u.fields });
      log.info({ event: "remediation.succeeded", ...u.fields, message: verdict.summary }, verdict.summary);
    } else {
      sink.send("event", { type: "remediation.failed", ...u.fields, error: verdict.why });
      log.info({ event: "remediation.failed", ...u.fields, message: verdict.why }, verdict.why);
    }
    return true;
  }

  /**
   * Runs one fix. A command that fails is `remediation.failed` at once; one that runs well is
   * judged by the next diagnosis (see `settle`), never reported as succeeded on its exit code.
   */
  private async remediate(cause: string, link: string | undefined, command: Fix, attempt: number, key: string | null, target: Target | null): Promise<boolean> {
    const { sink, executor, clock, log } = this.deps;
    const fields: Fields = { cause, ...(link ? { link } : {}), command, attempt };
    sink.send("event", { type: "remediation.started", ...fields });
    log.info({ event: "remediation.started", ...fields }, `healing ${cause} with ${command.name}`);
    const result = await executor.runInternal(command.name, command.args, `heal:${key ?? cause}`);
    if (result.busy) {
      // An operator's command holds the resource: not an attempt, try again on a later diagnosis.
      sink.send("event", { type: "remediation.failed", ...fields, error: result.message });
      return false;
    }
    const ran: Attempt = { key, command: command.name, at: clock.now(), ok: result.ok };
    this.history.push(ran);
    if (result.ok && target) {
      this.unverified = { ...target, cause, command: command.name, ranAt: clock.now(), fields, attempt: ran };
      log.info({ event: "remediation.ran", ...fields, message: result.message }, `${result.message}; checking that it fixed ${cause}`);
      return true;
    }
    if (result.ok) sink.send("event", { type: "remediation.succeeded", ...fields });
    else sink.send("event", { type: "remediation.failed", ...fields, error: result.message });
    log.info({ event: result.ok ? "remediation.succeeded" : "remediation.failed", ...fields, message: result.message }, result.message);
    return result.ok;
  }

  /** Demotes a Wi-Fi without upstream, promotes it when it recovers; true when it acted. */
  private async stepPreference(diagnosis: Diagnosis): Promise<boolean> {
    const { links, preference, healing } = this.deps.config;
    // Moving routes is healing too: with healing off the agent only reports.
    if (!healing.enabled) return false;
    const wifi = diagnosis.links[links.wifi];
    const cellular = diagnosis.links[links.cellular];
    const step = stepPreference(this.preference, wifi?.reachable ?? null, cellular?.reachable ?? null, preference);
    this.preference = step.state;
    if (!step.action) {
      // A streak under way is confirmed at once rather than at the next scheduled diagnosis: the
      // streaks are the hysteresis, the schedule need not add to it (a dead upstream is otherwise
      // left for up to `failuresToDemote` cron periods).
      const s = step.state;
      const confirming = s.demoted ? s.okStreak > 0 : s.failStreak > 0 && cellular?.reachable === true;
      if (confirming) this.deps.rediagnose(`confirming ${links.wifi}'s upstream (${s.demoted ? s.okStreak : s.failStreak} in a row)`);
      return false;
    }
    const metric = step.action === "demote" ? preference.demotedMetric : preference.metrics.wifi;
    const cause = step.action === "demote" ? "wifi-no-upstream" : "wifi-upstream-restored";
    // Moving the route is for the host's routing: it worked when traffic leaves where it should.
    const ok = await this.remediate(cause, links.wifi, { name: "link.metric", args: { iface: links.wifi, metric } }, 1, null, { link: "host", layer: "routing", strict: true });
    if (ok) this.saveDemoted(step.action === "demote");
    else this.preference = { ...this.preference, demoted: step.action !== "demote" };
    this.deps.rediagnose(`after ${step.action} of ${links.wifi}`);
    return true;
  }

  private loadDemoted(): boolean {
    try {
      return (JSON.parse(this.stateFile?.read() || "{}") as { demoted?: boolean }).demoted === true;
    } catch {
      return false;
    }
  }

  private saveDemoted(demoted: boolean) {
    this.savedDemoted = demoted;
    this.stateFile?.rewrite();
  }
}
