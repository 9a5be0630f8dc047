import type { Diagnosis } from "@uplink/shared";
import type { Logger } from "pino";
import type { AgentConfig } from "../config/schema.ts";
import { AgentError } from "../errors.ts";
import type { Host, RunResult } from "../host/host.ts";
import type { LeaseStore } from "./lease-store.ts";

/** What a command handler may touch: the Host, the config, the recorded leases, and its report. */
export interface CommandContext {
  host: Host;
  config: AgentConfig;
  leases: LeaseStore;
  log: Logger;
  signal: AbortSignal;
  /** A progress step, sent as a `progress` response. */
  progress(step: string): void;
  /** Runs a program, recording the command line and its output in the transcript. */
  exec(file: string, args: readonly string[], options?: ExecOptions): Promise<RunResult>;
  /** The full assessment now (the `diagnose` command's whole job). */
  diagnose(): Promise<Diagnosis | null>;
}

export interface ExecOptions {
  timeoutMs?: number;
  input?: string;
  /** Exit codes that are not a failure; by default only 0. */
  okCodes?: readonly number[];
  /** A failure that is noted and does not stop the command (`qmi-network stop` when stopped). */
  tolerate?: boolean;
}

export interface CommandOutcome {
  ok: boolean;
  message?: string;
  result?: Record<string, unknown>;
  /** For a risky command: puts back what it changed, run when the broker stays away. */
  undo?: () => Promise<void>;
}

export type CommandHandler = (args: Record<string, unknown>, ctx: CommandContext) => Promise<CommandOutcome>;

/** Builds `exec` over a Host: argument arrays, a timeout on every call, a transcript. */
export function createExec(host: Host, transcript: string[], signal: AbortSignal): CommandContext["exec"] {
  return async (file, args, options = {}) => {
    if (signal.aborted) throw new AgentError("UPLINK_COMMAND_TIMEOUT", "the command was stopped", { file });
    transcript.push(`$ ${file} ${args.join(" ")}`.trimEnd());
    const result = await host.run(file, args, {
      timeoutMs: options.timeoutMs ?? 20_000,
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
    const text = [result.stdout, result.stderr].filter((s) => s.trim().length > 0).join("\n").trimEnd();
    if (text) transcript.push(text);
    const ok = !result.missing && !result.timedOut && (options.okCodes ?? [0]).includes(result.exitCode);
    if (!ok && !options.tolerate) {
      const why = result.missing ? "is not installed" : result.timedOut ? "timed out" : `exited with ${result.exitCode}`;
      throw new AgentError("UPLINK_COMMAND_FAILED", `${file} ${why}`, {
        file,
        args,
        exitCode: result.exitCode,
        stderr: result.stderr.slice(0, 500),
      });
    }
    return result;
  };
}
