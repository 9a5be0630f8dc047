import { z } from "zod";
import { BOUNDS, boundedRecord, nameString, textString } from "./bounds.ts";
import { deviceIdSchema } from "./device-id.ts";
import { diagnosisSchema, layerNameSchema, layerStateSchema, fixSchema } from "./layers.ts";

export const PROTOCOL_VERSION = 1;

/** The largest payload either side accepts; anything larger is rejected before JSON.parse. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

const ts = z.iso.datetime({ offset: true }).describe("ISO 8601 time the message was made");

/** Carried by every device message: who, which boot, which message of that boot, when. */
export const envelopeSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  deviceId: deviceIdSchema,
  bootId: z.string().min(8).max(64).describe("new at every agent start"),
  seq: z.number().int().min(1).describe("per bootId, from 1, never reused"),
  ts,
});
export type Envelope = z.infer<typeof envelopeSchema>;

export const statusSchema = envelopeSchema.extend({
  state: z.enum(["online", "offline"]),
  reason: textString().optional().describe("why offline: shutdown, or connection lost (last will)"),
  agentVersion: nameString().optional(),
});
export type StatusMessage = z.infer<typeof statusSchema>;

const signalSchema = z.object({
  radio: nameString().optional(),
  rssiDbm: z.number().optional(),
  rsrpDbm: z.number().optional(),
  rsrqDb: z.number().optional(),
  sinrDb: z.number().optional(),
  snrDb: z.number().optional(),
  ecioDb: z.number().optional(),
});

export const heartbeatSchema = envelopeSchema.extend({
  uptimeS: z.number().nonnegative(),
  activeLink: nameString().nullable(),
  links: boundedRecord(
    z.object({
      up: z.boolean().optional(),
      rxBytes: z.number().nonnegative().optional(),
      txBytes: z.number().nonnegative().optional(),
    }),
    BOUNDS.links,
  ),
  signal: signalSchema.optional(),
  system: z
    .object({
      cpuTempC: z.number().optional(),
      underVoltageNow: z.boolean().optional(),
      underVoltageOccurred: z.boolean().optional(),
      throttledNow: z.boolean().optional(),
      load1: z.number().optional(),
      memAvailableBytes: z.number().optional(),
    })
    .optional(),
  outbox: z.object({
    depth: z.number().int().nonnegative(),
    dropped: z.number().int().nonnegative().describe("heartbeats shed because the outbox was full, this boot"),
  }),
  storage: z
    .object({
      ok: z.boolean().describe("false while the data dir refuses writes or reads: the outbox and journal are held in memory only"),
      path: textString().optional().describe("with ok false: the first file that failed"),
      error: textString().optional().describe("with ok false: why, e.g. EROFS: read-only file system"),
      since: ts.optional().describe("with ok false: when the fault began"),
    })
    .optional()
    .describe("the agent's data dir; absent from agents that do not report it"),
});
export type HeartbeatMessage = z.infer<typeof heartbeatSchema>;

export const healthSchema = envelopeSchema.extend(diagnosisSchema.shape);
export type HealthMessage = z.infer<typeof healthSchema>;

const remediationFields = {
  cause: nameString(),
  link: nameString().optional(),
  command: fixSchema,
  attempt: z.number().int().min(1),
};

export const eventSchema = z.discriminatedUnion("type", [
  envelopeSchema.extend({
    type: z.literal("agent.started"),
    agentVersion: nameString(),
    links: z.array(nameString()).max(BOUNDS.links),
  }),
  envelopeSchema.extend({
    type: z.literal("link.changed"),
    from: nameString().nullable(),
    to: nameString().nullable(),
    reason: textString(),
  }),
  envelopeSchema.extend({
    type: z.literal("layer.changed"),
    link: nameString().describe("an interface name, or 'host' for layers 5-7"),
    layer: layerNameSchema,
    from: layerStateSchema,
    to: layerStateSchema,
    cause: nameString().optional(),
  }),
  envelopeSchema.extend({ type: z.literal("remediation.started"), ...remediationFields }),
  envelopeSchema.extend({ type: z.literal("remediation.succeeded"), ...remediationFields }),
  envelopeSchema.extend({
    type: z.literal("remediation.failed"),
    ...remediationFields,
    error: textString(),
  }),
  envelopeSchema.extend({
    type: z.literal("rollback"),
    requestId: nameString(),
    command: nameString(),
    reason: textString(),
  }),
]);
export type EventMessage = z.infer<typeof eventSchema>;
export type EventType = EventMessage["type"];

export const commandRequestSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  id: z.uuid(),
  name: z.string().max(64),
  args: boundedRecord(z.unknown(), BOUNDS.entries).default({}),
  issuedAt: ts,
  expiresAt: ts,
  issuedBy: z.string().max(128),
});
export type CommandRequest = z.infer<typeof commandRequestSchema>;

export const COMMAND_STATES = ["accepted", "rejected", "progress", "succeeded", "failed", "timed-out"] as const;
export const commandStateSchema = z.enum(COMMAND_STATES);
export type CommandState = z.infer<typeof commandStateSchema>;
export const TERMINAL_COMMAND_STATES: readonly CommandState[] = ["rejected", "succeeded", "failed", "timed-out"];

export const rejectionReasonSchema = z.enum(["invalid", "expired", "duplicate", "busy", "unsupported"]);
export type RejectionReason = z.infer<typeof rejectionReasonSchema>;

export const commandResponseSchema = envelopeSchema.extend({
  requestId: z.string().max(64),
  name: z.string().max(64),
  state: commandStateSchema,
  reason: rejectionReasonSchema.optional().describe("with state rejected"),
  message: textString().optional(),
  step: textString().optional().describe("with state progress"),
  output: z.string().max(BOUNDS.output).optional(),
  result: boundedRecord(z.unknown(), BOUNDS.entries).optional(),
  rolledBack: z.boolean().optional(),
  health: diagnosisSchema.optional().describe("the layer report after the command"),
});
export type CommandResponse = z.infer<typeof commandResponseSchema>;

/** The message schema of each device channel, for whoever reads a topic. */
export const channelSchemas = {
  status: statusSchema,
  heartbeat: heartbeatSchema,
  health: healthSchema,
  events: eventSchema,
  "cmd/req": commandRequestSchema,
  "cmd/res": commandResponseSchema,
} as const;
