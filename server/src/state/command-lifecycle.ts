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
 * Pure: the command after one response of the device. The responses are kept in order; the state
 * only moves forward. Two exceptions: a device's own answer overrides the server's `expired` (the
 * device is the truth about what ran), and a `rejected: duplicate` of a command already underway
 * is the echo of a re-publish after a server restart, not news.
 */
export function applyResponse(cmd: CommandRecord, response: CommandResponse, receivedAt: string): CommandRecord {
  const responses = [...cmd.responses, response];
  const next = targetState(response);
  const detail = response.step ?? response.message ?? (response.reason ? `rejected: ${response.reason}` : cmd.detail);
  const base = { ...cmd, responses, updatedAt: receivedAt };
  if (response.state === "rejected" && response.reason === "duplicate" && cmd.state !== "pending") return base;
  if (cmd.state === "expired") return { ...base, state: next, detail };
  if (isFinal(cmd.state)) return base;
  if (cmd.state === "accepted" && next === "accepted") return { ...base, detail };
  return { ...base, state: next, detail };
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
