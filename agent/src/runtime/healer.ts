import type { Diagnosis, Fix } from "@uplink/shared";
import type { Logger } from "pino";
import type { AgentConfig } from "../config/schema.ts";
import type { Executor } from "../executor/executor.ts";
import type { MessageSink } from "../executor/message-sink.ts";
import { closeEpisodes, decide, type Attempt } from "../heal/decide.ts";
import { initialPreference, stepPreference, type PreferenceState } from "../heal/preference.ts";
import { problemsOf } from "../heal/problems.ts";
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

  /** Called after every diagnosis; does at most one thing, then asks to look again. */
  async onDiagnosis(diagnosis: Diagnosis): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
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
        await this.remediate(problem.cause, problem.link === "host" ? undefined : problem.link, decision.command, decision.attempt, problem.key);
        this.deps.rediagnose(`after ${decision.command.name}`);
        return;
      }
    } finally {
      this.busy = false;
    }
  }

  private async remediate(cause: string, link: string | undefined, command: Fix, attempt: number, key: string | null): Promise<boolean> {
    const { sink, executor, clock, log } = this.deps;
    const fields = { cause, ...(link ? { link } : {}), command, attempt };
    sink.send("event", { type: "remediation.started", ...fields });
    log.info({ event: "remediation.started", ...fields }, `healing ${cause} with ${command.name}`);
    const result = await executor.runInternal(command.name, command.args, `heal:${key ?? cause}`);
    if (result.busy) {
      // An operator's command holds the resource: not an attempt, try again on a later diagnosis.
      sink.send("event", { type: "remediation.failed", ...fields, error: result.message });
      return false;
    }
    this.history.push({ key, command: command.name, at: clock.now(), ok: result.ok });
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
    const ok = await this.remediate(cause, links.wifi, { name: "link.metric", args: { iface: links.wifi, metric } }, 1, null);
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
