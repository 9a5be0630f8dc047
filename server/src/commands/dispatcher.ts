import { randomUUID } from "node:crypto";
import { checkCommand, commandRequestSchema, PROTOCOL_VERSION, type CommandRequest, type Topics } from "@uplink/shared";
import type { Logger } from "pino";
import { UplinkError } from "../errors.ts";
import type { Fleet } from "../fleet.ts";
import type { Metrics } from "../metrics.ts";
import { expireCommand, isFinal, newCommand } from "../state/command-lifecycle.ts";
import type { CommandRecord } from "../state/types.ts";
import type { Store } from "../store/store.ts";

export const DEFAULT_COMMAND_TTL_S = 600;
export const MAX_COMMAND_TTL_S = 7 * 24 * 3600;

export interface Publisher {
  publish(topic: string, payload: string): Promise<void>;
}

export interface IssueRequest {
  deviceId: string;
  name: unknown;
  args: unknown;
  issuedBy: string;
  expiresInS?: number;
}

export interface Dispatcher {
  issue(req: IssueRequest): Promise<CommandRecord>;
  /** Moves commands past their expiry (or silent too long) to `expired` / `timed-out`. */
  sweep(now?: Date): number;
  /** Publishes again every pending command (an external broker after a server restart). */
  republishPending(): Promise<number>;
  /**
   * Publishes the device's pending commands: it has just come online and subscribed. A broker that
   * restarted (the embedded one keeps sessions in memory) had nowhere to hold them before.
   */
  deliverPending(deviceId: string): Promise<number>;
}

function requestOf(cmd: CommandRecord): CommandRequest {
  return { v: PROTOCOL_VERSION, id: cmd.id, name: cmd.name, args: cmd.args, issuedAt: cmd.issuedAt, expiresAt: cmd.expiresAt, issuedBy: cmd.issuedBy };
}

export function createDispatcher(deps: { topics: Topics; fleet: Fleet; store: Store; metrics: Metrics; logger: Logger; publisher: Publisher }): Dispatcher {
  const { topics, fleet, store, metrics, logger, publisher } = deps;

  function save(cmd: CommandRecord): void {
    store.saveCommand(cmd);
    fleet.dispatch({ kind: "command.updated", command: cmd });
  }

  async function publish(cmd: CommandRecord): Promise<void> {
    const request = commandRequestSchema.parse(requestOf(cmd));
    await publisher.publish(topics.device(cmd.deviceId, "cmd/req"), JSON.stringify(request));
  }

  return {
    async issue(req) {
      if (!fleet.device(req.deviceId) && store.getDevicePasswordHash(req.deviceId) === null) {
        throw new UplinkError("UPLINK_DEVICE_NOT_FOUND", `no device ${req.deviceId}`, { deviceId: req.deviceId });
      }
      const check = checkCommand(req.name, req.args);
      if (!check.ok) {
        throw new UplinkError(check.reason === "unsupported" ? "UPLINK_COMMAND_UNSUPPORTED" : "UPLINK_COMMAND_INVALID", check.message);
      }
      const ttl = req.expiresInS ?? DEFAULT_COMMAND_TTL_S;
      const now = Date.now();
      const cmd = newCommand({
        id: randomUUID(),
        deviceId: req.deviceId,
        name: check.name,
        args: check.args,
        issuedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + ttl * 1000).toISOString(),
        issuedBy: req.issuedBy,
      });
      // Stored before it is sent: a response can never arrive for a command the store lacks.
      save(cmd);
      metrics.inc("uplink_commands_issued_total", { name: cmd.name });
      try {
        await publish(cmd);
      } catch (err) {
        // Still pending: mqtt.js resends it on reconnect, and `republishPending` covers a restart.
        logger.warn({ err, commandId: cmd.id }, "publishing a command failed for now");
      }
      logger.info({ commandId: cmd.id, deviceId: cmd.deviceId, name: cmd.name, issuedBy: cmd.issuedBy }, "command issued");
      return cmd;
    },
    sweep(now = new Date()) {
      let changed = 0;
      for (const known of Object.values(fleet.state.commands)) {
        // Replicas: another one may have taken the device's answer; the store has it.
        const cmd = fleet.shared ? (store.getCommand(known.id) ?? known) : known;
        if (cmd !== known && cmd.state !== known.state) fleet.dispatch({ kind: "command.updated", command: cmd });
        if (isFinal(cmd.state)) continue;
        const next = expireCommand(cmd, now.toISOString());
        if (next === cmd) continue;
        save(next);
        changed++;
        if (isFinal(next.state)) metrics.inc("uplink_command_outcomes_total", { state: next.state });
        logger.info({ commandId: cmd.id, deviceId: cmd.deviceId, state: next.state }, `command ${next.state}`);
      }
      return changed;
    },
    async republishPending() {
      const pending = Object.values(fleet.state.commands).filter((c) => c.state === "pending");
      for (const cmd of pending) await publish(cmd);
      if (pending.length) logger.info({ count: pending.length }, "pending commands published again");
      return pending.length;
    },
    async deliverPending(deviceId) {
      const now = Date.now();
      const pending = Object.values(fleet.state.commands).filter((c) => c.deviceId === deviceId && c.state === "pending" && Date.parse(c.expiresAt) > now);
      for (const cmd of pending) {
        try {
          await publish(cmd);
        } catch (err) {
          logger.warn({ err, commandId: cmd.id }, "delivering a pending command failed for now");
        }
      }
      if (pending.length) logger.info({ deviceId, count: pending.length }, "pending commands delivered to a device back online");
      return pending.length;
    },
  };
}
