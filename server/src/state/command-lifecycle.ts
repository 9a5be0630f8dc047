import { catalog, isCommandName, type CommandResponse } from "@uplink/shared";
import { FINAL_LIFECYCLE_STATES, type CommandLifecycleState, type CommandRecord } from "./types.ts";

/** How long past its own timeout an accepted command may stay silent before the server gives up. */
export const SILENCE_GRACE_MS = 60_000;

export function isFinal(state: CommandLifecycleState): boolean {
  return FINAL_LIFECYCLE_STATES.includes(state);
}

export function newCommand(fields: Omit<CommandRecord, "state" | "detail" | "updatedAt" | "responses">): CommandRecord {
  return { ...fields, state: "pending", detail: null, updatedAt: fields.issuedAt, responses: [] };
}

function targetState(response: CommandResponse): CommandLifecycleState {
  return response.state === "progress" ? "accepted" : response.state;
}

/**
 * What one command record keeps of its device's responses, whatever the device sends (issue 11:
 * 150 progress responses of 200 KB made a 30 MB record, stored and streamed whole at every step).
 * The first response, the latest `steps` in between and the final one; of those, only the final
 * keeps its bulk (output, result, layer report), or the newest while there is no final yet. With every string within the
 * wire bounds, a record stays under `bytes`: 9 slim responses of at most ~26 KB and a final one of
 * at most MAX_PAYLOAD_BYTES.
 */
export const RESPONSE_BOUNDS = {
  steps: 8,
  bytes: 512 * 1024,
} as const;

/** Why a response changed nothing: see `ignoredBecause`. */
export type IgnoredResponse = "after-final" | "duplicate-echo";

/**
 * Pure: why the record ignores this response, or null when it takes it. After a final state
 * nothing the device sends is news, with one exception: its own answer overrides the server's
 * `expired` (the device is the truth about what ran). A `rejected: duplicate` of a command
 * already underway is the echo of a re-publish after a server restart, not news either.
 */
export function ignoredBecause(cmd: CommandRecord, response: CommandResponse): IgnoredResponse | null {
  if (response.state === "rejected" && response.reason === "duplicate" && cmd.state !== "pending") return "duplicate-echo";
  if (isFinal(cmd.state) && cmd.state !== "expired") return "after-final";
  return null;
}

/**
 * Pure: the command after one response of the device; the very same object when the response is
 * ignored (`ignoredBecause`), so the shell neither stores nor announces anything. The state only
 * moves forward, and the responses kept stay within RESPONSE_BOUNDS, in order.
 */
export function applyResponse(cmd: CommandRecord, response: CommandResponse, receivedAt: string): CommandRecord {
  if (ignoredBecause(cmd, response)) return cmd;
  const responses = boundResponses([...cmd.responses, response]);
  const next = targetState(response);
  const detail = response.step ?? response.message ?? (response.reason ? `rejected: ${response.reason}` : cmd.detail);
  const base = { ...cmd, responses, updatedAt: receivedAt };
  if (cmd.state === "accepted" && next === "accepted") return { ...base, detail };
  return { ...base, state: next, detail };
}

const isFinalResponse = (r: CommandResponse) => r.state !== "accepted" && r.state !== "progress";

/** A response without its bulk: what the device said, not what it carried. */
function slim(r: CommandResponse): CommandResponse {
  if (r.output === undefined && r.result === undefined && r.health === undefined) return r;
  const { output: _o, result: _r, health: _h, ...rest } = r;
  return rest;
}

const sizeOf = (rs: readonly CommandResponse[]) => rs.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0);

/**
 * Pure: the responses a record keeps (RESPONSE_BOUNDS). Never fewer than before a new one came
 * (the dashboard and the CLI take a shorter list for an older one): older steps are replaced, and
 * bulk is shed rather than responses, the final's last of all.
 */
export function boundResponses(all: readonly CommandResponse[], bounds: { steps: number; bytes: number } = RESPONSE_BOUNDS): CommandResponse[] {
  const middle = all.map((r, i) => ({ r, i })).filter(({ r, i }) => i > 0 && !isFinalResponse(r));
  const dropped = new Set(middle.slice(0, Math.max(0, middle.length - bounds.steps)).map(({ i }) => i));
  let kept = all.filter((_, i) => !dropped.has(i));
  const nonFinal = kept.map((r, i) => ({ r, i })).filter(({ r }) => !isFinalResponse(r)).map(({ i }) => i);
  // The newest step's bulk is the news while the command runs; once it is final, the final's is.
  const newest = kept.some(isFinalResponse) ? undefined : nonFinal.at(-1);
  kept = kept.map((r, i) => (isFinalResponse(r) || i === newest ? r : slim(r)));
  if (sizeOf(kept) > bounds.bytes) kept = kept.map((r) => (isFinalResponse(r) ? r : slim(r)));
  if (sizeOf(kept) > bounds.bytes) kept = kept.map(slim);
  return kept;
}

/**
 * Pure: the command at time `now` without news from the device. A pending command past its
 * expiry is `expired` (the device would refuse it now); an accepted one silent past its expiry,
 * its timeout and a grace period is `timed-out`.
 */
export function expireCommand(cmd: CommandRecord, now: string): CommandRecord {
  const nowMs = Date.parse(now);
  const expiresMs = Date.parse(cmd.expiresAt);
  if (cmd.state === "pending" && nowMs >= expiresMs) {
    return { ...cmd, state: "expired", detail: "the device did not take it before it expired", updatedAt: now };
  }
  if (cmd.state === "accepted") {
    const timeoutMs = isCommandName(cmd.name) ? catalog[cmd.name].timeoutMs : 0;
    if (nowMs >= expiresMs + timeoutMs + SILENCE_GRACE_MS) {
      return { ...cmd, state: "timed-out", detail: "no final answer from the device", updatedAt: now };
    }
  }
  return cmd;
}
