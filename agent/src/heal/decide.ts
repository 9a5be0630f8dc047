import type { Fix } from "@uplink/shared";
import type { AgentConfig } from "../config/schema.ts";
import type { Problem } from "./problems.ts";

export type HealingPolicy = AgentConfig["healing"];

/** One remediation the agent ran. `key` is null once its episode ended (it still counts per hour). */
export interface Attempt {
  key: string | null;
  command: string;
  at: number;
  ok: boolean;
}

export type Decision =
  | { kind: "run"; problem: Problem; command: Fix; attempt: number }
  | { kind: "wait"; problem: Problem; why: string };

const HOUR_MS = 3600_000;
/** Ladder rungs that only make sense on the modem's link. */
const CELLULAR_ONLY = new Set(["qmi.restart", "modem.reset"]);

function argsFor(command: string, problem: Problem): Fix["args"] {
  return command === "dhcp.renew" || command === "link.up" ? { iface: problem.link } : {};
}

/**
 * What to run next for one problem, given what was tried and when. Pure: the whole healing
 * policy is here, the loop only carries it out.
 * - the diagnosis names the fix; when it is a rung of the ladder and was tried `attemptsPerRung`
 *   times in this episode, the next rung up is tried instead (renew DHCP, restart the QMI session,
 *   reset the modem, reboot);
 * - between attempts on one problem the wait doubles (backoff), up to a maximum;
 * - each command runs at most `maxPerHour[command]` times an hour, whatever the problem;
 * - only commands in `allow` run, and reboot only with `rebootEnabled`.
 */
export function decide(problem: Problem, history: readonly Attempt[], now: number, policy: HealingPolicy): Decision {
  if (!policy.enabled) return { kind: "wait", problem, why: "healing is disabled" };
  if (!problem.fix) return { kind: "wait", problem, why: `no automatic fix for ${problem.cause}` };
  const episode = history.filter((a) => a.key === problem.key);
  const tried = (command: string) => episode.filter((a) => a.command === command).length;
  const usable = (command: string) =>
    (policy.allow as string[]).includes(command) &&
    (command !== "reboot" || policy.rebootEnabled) &&
    (problem.role === "cellular" || !CELLULAR_ONLY.has(command));

  const ladder = policy.ladder as string[];
  const candidates = ladder.includes(problem.fix.name) ? ladder.slice(ladder.indexOf(problem.fix.name)) : [problem.fix.name];
  const command = candidates.find((c) => usable(c) && tried(c) < policy.attemptsPerRung);
  if (!command) {
    const why = candidates.some(usable) ? "every allowed fix was tried: needs an operator" : `${problem.fix.name} is not allowed by the healing policy`;
    return { kind: "wait", problem, why };
  }

  const last = episode[episode.length - 1];
  if (last) {
    const backoffMs = Math.min(policy.backoff.maxS, policy.backoff.initialS * policy.backoff.factor ** (episode.length - 1)) * 1000;
    if (now - last.at < backoffMs) return { kind: "wait", problem, why: `backing off until ${Math.ceil((last.at + backoffMs - now) / 1000)} s from now` };
  }
  const limit = policy.maxPerHour[command] ?? policy.defaultMaxPerHour;
  const lastHour = history.filter((a) => a.command === command && now - a.at < HOUR_MS).length;
  if (lastHour >= limit) return { kind: "wait", problem, why: `${command} ran ${lastHour} times in the last hour (limit ${limit})` };

  const args = command === problem.fix.name ? problem.fix.args : argsFor(command, problem);
  return { kind: "run", problem, command: { name: command, args }, attempt: tried(command) + 1 };
}

/**
 * Ends the episodes of problems that are gone (their attempts stop counting toward the ladder
 * and backoff) and forgets attempts older than an hour. Pure.
 */
export function closeEpisodes(history: readonly Attempt[], activeKeys: ReadonlySet<string>, now: number): Attempt[] {
  return history
    .filter((a) => now - a.at < HOUR_MS || (a.key !== null && activeKeys.has(a.key)))
    .map((a) => (a.key !== null && !activeKeys.has(a.key) ? { ...a, key: null } : a));
}
