import type { Diagnosis } from "@uplink/shared";
import type { Logger } from "pino";
import type { CommandOutcome, CommandContext, CommandHandler } from "../commands/context.ts";
import { createExec } from "../commands/context.ts";
import { errorMessage } from "../errors.ts";
import type { Clock } from "../runtime/clock.ts";

export interface HandlerRun {
  outcome: CommandOutcome | null;
  timedOut: boolean;
  error?: string;
  output: string;
  /** Settles when the handler itself has returned, which may be after its deadline. */
  settled: Promise<void>;
}

export interface HandlerEnv {
  host: CommandContext["host"];
  config: CommandContext["config"];
  leases: CommandContext["leases"];
  log: Logger;
  clock: Clock;
  diagnose(): Promise<Diagnosis | null>;
}

const MAX_OUTPUT_CHARS = 32 * 1024;

/** The end of a long transcript: the last lines say why it failed. */
export function clipOutput(lines: readonly string[]): string {
  const text = lines.join("\n");
  return text.length <= MAX_OUTPUT_CHARS ? text : `[...${text.length - MAX_OUTPUT_CHARS} characters cut]\n${text.slice(-MAX_OUTPUT_CHARS)}`;
}

/** Runs one handler with a deadline; never throws. */
export async function runHandler(
  handler: CommandHandler,
  args: Record<string, unknown>,
  env: HandlerEnv,
  timeoutMs: number,
  progress: (step: string) => void,
): Promise<HandlerRun> {
  const transcript: string[] = [];
  const abort = new AbortController();
  const ctx: CommandContext = {
    host: env.host,
    config: env.config,
    leases: env.leases,
    log: env.log,
    signal: abort.signal,
    progress,
    exec: createExec(env.host, transcript, abort.signal),
    diagnose: env.diagnose,
  };
  let outcome: CommandOutcome | null = null;
  let error: string | undefined;
  const settled = handler(args, ctx).then(
    (o) => {
      outcome = o;
    },
    (err: unknown) => {
      error = errorMessage(err);
    },
  );
  let timer: unknown;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = env.clock.setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const first = await Promise.race([settled.then(() => "done" as const), deadline]);
  env.clock.clearTimeout(timer);
  if (first === "timeout") abort.abort();
  return {
    outcome: first === "timeout" ? null : outcome,
    timedOut: first === "timeout",
    ...(error !== undefined && first !== "timeout" ? { error } : {}),
    output: clipOutput(transcript),
    settled,
  };
}
