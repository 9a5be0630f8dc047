import type { CommandResponse } from "@uplink/shared";
import type { Logger } from "pino";
import type { Metrics } from "../metrics.ts";
import type { IgnoredResponse } from "../state/command-lifecycle.ts";
import type { CommandRecord } from "../state/types.ts";

/** How many commands' "ignored" warnings are remembered, so each is logged once, not per response. */
const REMEMBERED = 10_000;
const logged = new Set<string>();

/**
 * A response the command's record ignored (command-lifecycle.ts `ignoredBecause`): counted every
 * time; one after the final is logged once per command, so that a device that keeps answering a
 * finished command shows without flooding the log. A duplicate's echo is ordinary (the server
 * re-publishes pending commands after a restart) and only counted.
 */
export function noteIgnoredResponse(
  deps: { metrics: Metrics; logger: Logger },
  cmd: CommandRecord,
  response: CommandResponse,
  why: IgnoredResponse,
): void {
  deps.metrics.inc("uplink_command_responses_ignored_total", { why });
  if (why !== "after-final" || logged.has(cmd.id)) return;
  if (logged.size >= REMEMBERED) logged.delete(logged.values().next().value!);
  logged.add(cmd.id);
  deps.logger.warn(
    { deviceId: cmd.deviceId, requestId: cmd.id, command: cmd.name, state: cmd.state, response: response.state, why },
    `ignoring responses to command ${cmd.id} (${why}); counted in uplink_command_responses_ignored_total, logged once`,
  );
}
