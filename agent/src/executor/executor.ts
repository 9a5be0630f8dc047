import { catalog, isCommandName, lockKey, type CommandName, type CommandResponse, type Diagnosis, type Topics } from "@uplink/shared";
import type { Logger } from "pino";
import type { CommandHandler } from "../commands/context.ts";
import type { Clock } from "../runtime/clock.ts";
import type { Journal } from "./journal.ts";
import { judgeRequest } from "./judge-request.ts";
import type { LockTable } from "./lock-table.ts";
import type { MessageSink } from "./message-sink.ts";
import { runHandler, type HandlerEnv } from "./run-handler.ts";

/** The resources of the healing-only commands. */
const INTERNAL_LOCKS: Record<string, string> = { "link.metric": "routing", reboot: "modem" };

type ResponseBody = Omit<CommandResponse, "v" | "deviceId" | "bootId" | "seq" | "ts">;

export interface ExecutorDeps {
  deviceId: string;
  topics: Topics;
  links: readonly string[];
  sink: MessageSink;
  journal: Journal;
  locks: LockTable;
  handlers: Record<string, CommandHandler>;
  env: HandlerEnv;
  clock: Clock;
  log: Logger;
  /** How long a risky change may leave the broker unreachable before it is undone. */
  graceMs: number;
  /** Catalog timeout by default; tests shorten it. */
  timeoutMs?: (name: CommandName) => number;
}

export interface ExecutorStats {
  ignored: number;
  rejected: number;
  accepted: number;
}

/**
 * Remote commands as a state machine: judge (invalid, expired, unsupported), then the journal
 * (duplicate, or replay the stored answer), then the lock (busy), then accepted, progress steps,
 * and one final state with the output and the layer report after. Never throws on any message.
 */
export class Executor {
  readonly stats: ExecutorStats = { ignored: 0, rejected: 0, accepted: 0 };
  private readonly running = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly deps: ExecutorDeps) {}

  /** Entry point for every message on the command topic. */
  handle(topic: string, payload: Buffer): void {
    const task = this.process(topic, payload).catch((err: unknown) => {
      this.deps.log.error({ event: "command.crash", err: String(err) }, "command handling failed");
    });
    this.inflight.add(task);
    void task.finally(() => this.inflight.delete(task));
  }

  /** Resolves when every command being handled has finished (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private respond(body: ResponseBody) {
    this.deps.sink.send("response", body);
  }

  private reject(requestId: string, name: string, reason: NonNullable<ResponseBody["reason"]>, message: string) {
    this.stats.rejected++;
    this.deps.log.info({ event: "command.rejected", requestId, name, reason, message }, "command rejected");
    this.respond({ requestId, name, state: "rejected", reason, message });
  }

  private async process(topic: string, payload: Buffer): Promise<void> {
    const { deps } = this;
    const verdict = judgeRequest(topic, payload, { deviceId: deps.deviceId, topics: deps.topics, links: deps.links, now: deps.clock.now() });
    if (verdict.kind === "ignore") {
      this.stats.ignored++;
      deps.log.warn({ event: "command.ignored", why: verdict.why }, "message ignored");
      return;
    }
    if (verdict.kind === "reject") return this.reject(verdict.requestId, verdict.name, verdict.reason, verdict.message);
    const { request, name, args } = verdict;
    const known = deps.journal.get(request.id);
    if (this.running.has(request.id)) return this.reject(request.id, name, "duplicate", "this request is running now");
    if (known?.final) {
      // A redelivery (QoS 1, or the server asking again): the stored answer, not a second run.
      deps.log.info({ event: "command.replayed", requestId: request.id, name }, "stored answer sent again");
      this.respond(known.final as ResponseBody);
      return;
    }
    if (known) {
      const final: ResponseBody = {
        requestId: request.id,
        name,
        state: "failed",
        message: "interrupted: the agent stopped while this request ran; not run again",
      };
      deps.journal.finish(request.id, final);
      return this.respond(final);
    }
    const key = lockKey(name, args);
    if (!deps.locks.acquire(key, request.id)) {
      return this.reject(request.id, name, "busy", `${key} is held by request ${deps.locks.holder(key)}`);
    }
    this.running.add(request.id);
    this.stats.accepted++;
    try {
      deps.journal.begin(request.id, name, deps.clock.now());
      deps.log.info({ event: "command.accepted", requestId: request.id, name, args, issuedBy: request.issuedBy }, "command accepted");
      this.respond({ requestId: request.id, name, state: "accepted" });
      const final = await this.execute(request.id, name, args, key);
      deps.journal.finish(request.id, final);
      this.respond(final);
      deps.log.info({ event: `command.${final.state}`, requestId: request.id, name, message: final.message }, "command finished");
    } finally {
      this.running.delete(request.id);
    }
  }

  /** Runs the handler under its lock; the lock is released only when the handler has returned. */
  private async execute(requestId: string, name: CommandName, args: Record<string, unknown>, key: string | null): Promise<ResponseBody> {
    const { deps } = this;
    const spec = catalog[name];
    const progress = (step: string) => this.respond({ requestId, name, state: "progress", step });
    const run = await runHandler(deps.handlers[name]!, args, deps.env, deps.timeoutMs?.(name) ?? spec.timeoutMs, progress);
    void run.settled.finally(() => deps.locks.release(key, requestId));
    const base = { requestId, name, ...(run.output ? { output: run.output } : {}) };
    if (run.timedOut) return { ...base, state: "timed-out", message: `no result within ${deps.timeoutMs?.(name) ?? spec.timeoutMs} ms`, ...(await this.health()) };
    if (!run.outcome) return { ...base, state: "failed", message: run.error ?? "failed", ...(await this.health()) };
    const { outcome } = run;
    let rolledBack = false;
    if (outcome.ok && spec.risky && outcome.undo) {
      rolledBack = await this.commitOrRollback(requestId, name, outcome.undo);
    }
    return {
      ...base,
      state: outcome.ok && !rolledBack ? "succeeded" : "failed",
      ...(rolledBack
        ? { message: `broker unreachable for ${deps.graceMs / 1000} s after the change: undone (${outcome.message ?? ""})`, rolledBack: true }
        : outcome.message !== undefined
          ? { message: outcome.message }
          : {}),
      ...(outcome.result ? { result: outcome.result } : {}),
      ...(await this.health()),
    };
  }

  /**
   * A risky change is kept only if the broker acknowledges a message sent after it within the
   * grace period: that proves the device can still be reached to undo it otherwise. If not, the
   * change is undone here, with no one to ask. Returns true when it rolled back.
   */
  private async commitOrRollback(requestId: string, name: CommandName, undo: () => Promise<void>): Promise<boolean> {
    const { deps } = this;
    const probe = deps.sink.send("response", { requestId, name, state: "progress", step: `change made; waiting up to ${deps.graceMs / 1000} s for the broker to confirm it` });
    if (await deps.sink.whenDelivered(probe, deps.graceMs)) return false;
    deps.log.warn({ event: "command.rollback", requestId, name }, "broker unreachable after a risky change: undoing it");
    let reason = `broker unreachable for ${deps.graceMs / 1000} s after the change`;
    try {
      await undo();
    } catch (err) {
      reason += `; undo failed: ${String(err)}`;
    }
    deps.sink.send("event", { type: "rollback", requestId, command: name, reason });
    return true;
  }

  /**
   * Runs a command for healing: the same handlers and locks as a remote command, no cmd/res
   * (the caller reports remediation events). Busy when an operator's command holds the resource.
   */
  async runInternal(name: string, args: Record<string, unknown>, holder: string): Promise<{ ok: boolean; busy?: boolean; message: string; output: string }> {
    const handler = this.deps.handlers[name];
    if (!handler) return { ok: false, message: `no handler for ${name}`, output: "" };
    const key = isCommandName(name) ? lockKey(name, args) : (INTERNAL_LOCKS[name] ?? name);
    if (!this.deps.locks.acquire(key, holder)) return { ok: false, busy: true, message: `${key} is busy`, output: "" };
    const timeout = isCommandName(name) ? (this.deps.timeoutMs?.(name) ?? catalog[name].timeoutMs) : 30_000;
    const run = await runHandler(handler, args, this.deps.env, timeout, (step) =>
      this.deps.log.info({ event: "remediation.progress", name, step }, step),
    );
    void run.settled.finally(() => this.deps.locks.release(key, holder));
    if (run.timedOut) return { ok: false, message: `timed out after ${timeout} ms`, output: run.output };
    if (!run.outcome) return { ok: false, message: run.error ?? "failed", output: run.output };
    return { ok: run.outcome.ok, message: run.outcome.message ?? "", output: run.output };
  }

  private async health(): Promise<{ health?: Diagnosis }> {
    try {
      const d = await this.deps.env.diagnose();
      return d ? { health: d } : {};
    } catch {
      return {};
    }
  }
}
