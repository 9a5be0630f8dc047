import { z } from "zod";
import {
  commandResponseSchema,
  deviceIdSchema,
  eventSchema,
  healthSchema,
  heartbeatSchema,
  layerNameSchema,
} from "@uplink/shared";
import { ALERT_RULES } from "../alerts/alert.ts";
import { historyWindowSchema } from "../history/device-history.ts";
import { COMMAND_LIFECYCLE } from "../state/types.ts";

/**
 * What the HTTP API takes and returns, as zod schemas: handlers parse with them and the OpenAPI
 * document is generated from them, so the two cannot drift.
 */
const isoTime = z.iso.datetime({ offset: true });

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export const deliverySchema = z.object({
  bootId: z.string().nullable(),
  received: z.number().int().describe("messages taken in (each (bootId, seq) once)"),
  duplicates: z.number().int().describe("QoS 1 redeliveries and replays dropped"),
  gaps: z.number().int().describe("messages of the device never received: 0 means nothing lost"),
  stale: z.number().int().describe("messages of a boot retired from the account (more than 8 boots back), stored but not counted"),
  anomalies: z.number().int().describe("messages refused because their seq jumped implausibly far ahead"),
  droppedByDevice: z.number().int().nullable().describe("heartbeats the device shed on purpose this boot (outbox full)"),
});

export const deviceViewSchema = z.object({
  deviceId: deviceIdSchema,
  online: z.boolean(),
  status: z.enum(["online", "offline", "unknown"]),
  statusReason: z.string().nullable(),
  activeLink: z.string().nullable(),
  rootCause: z.record(z.string(), layerNameSchema.nullable()).describe("firstFailingLayer per link and for host"),
  health: healthSchema.nullable().describe("the last health report as the agent published it"),
  healthAt: isoTime.nullable(),
  signal: heartbeatSchema.shape.signal.nullable(),
  system: heartbeatSchema.shape.system.nullable(),
  links: heartbeatSchema.shape.links.nullable(),
  outbox: heartbeatSchema.shape.outbox.nullable(),
  storage: heartbeatSchema.shape.storage.nullable().describe("the device's data dir: ok, or what is wrong with it since when (null: not reported)"),
  uptimeS: z.number().nullable(),
  agentVersion: z.string().nullable(),
  lastSeenAt: isoTime.nullable(),
  lastHeartbeatAt: isoTime.nullable(),
  delivery: deliverySchema,
  recentEvents: z.array(eventSchema),
  commandsInFlight: z.array(z.string()),
});
export type DeviceView = z.infer<typeof deviceViewSchema>;

export const commandViewSchema = z.object({
  id: z.uuid(),
  deviceId: deviceIdSchema,
  name: z.string(),
  args: z.record(z.string(), z.unknown()),
  issuedAt: isoTime,
  expiresAt: isoTime,
  issuedBy: z.string(),
  state: z.enum(COMMAND_LIFECYCLE),
  detail: z.string().nullable(),
  updatedAt: isoTime,
  responses: z.array(commandResponseSchema),
});

export const issueCommandBodySchema = z.strictObject({
  name: z.string().max(64),
  args: z.record(z.string(), z.unknown()).default({}),
  expiresInS: z.number().int().min(1).max(7 * 24 * 3600).optional().describe("default 600"),
});

export const addDeviceBodySchema = z.strictObject({ deviceId: deviceIdSchema });
export const deviceCredentialsSchema = z.object({ deviceId: z.string(), username: z.string(), password: z.string() });
export const addTokenBodySchema = z.strictObject({ name: z.string().min(1).max(64) });
export const tokenSchema = z.object({ token: z.string(), name: z.string() });

const bool = z.enum(["true", "false"]).transform((v) => v === "true");
const limit = z.coerce.number().int().min(1).max(1000).default(100);
const timeParam = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));

export const deviceListQuerySchema = z.strictObject({
  online: bool.optional(),
  rootCause: z.union([layerNameSchema, z.literal("none")]).optional().describe("a layer on any link, or none"),
  link: z.string().max(15).optional().describe("the active link"),
  limit,
  offset: z.coerce.number().int().min(0).default(0),
});

export const seriesQuerySchema = z.strictObject({
  since: timeParam.optional(),
  until: timeParam.optional(),
  limit,
  cursor: z.string().max(64).optional(),
});
export const eventQuerySchema = seriesQuerySchema.extend({ type: z.string().max(64).optional() });

export const commandListQuerySchema = z.strictObject({
  deviceId: deviceIdSchema.optional(),
  state: z.enum(COMMAND_LIFECYCLE).optional(),
  limit,
  cursor: z.string().max(64).optional(),
});

export const alertListQuerySchema = z.strictObject({
  deviceId: deviceIdSchema.optional(),
  state: z.enum(["firing", "resolved"]).optional(),
  rule: z.enum(ALERT_RULES).optional(),
  since: timeParam.optional().describe("alerts that fired at or after this time"),
  limit,
  cursor: z.string().max(64).optional(),
});

export const historyQuerySchema = z.strictObject({
  window: historyWindowSchema.default("24h").describe("24h, 7d or 30d, ending now"),
});

const availabilitySchema = z.object({
  onlineS: z.number(),
  expectedS: z.number().describe("the window, less any time before the device was first seen"),
  ratio: z.number().nullable(),
});
const faultStatsSchema = z.object({
  cause: z.string(),
  count: z.number().int().describe("faults of this cause that began in the window"),
  fixedBy: z.record(z.string(), z.number().int()).describe("per remediation (none: it came back on its own), of the faults that ended"),
  recovered: z.number().int(),
  recoveryS: z.object({ median: z.number().nullable(), p90: z.number().nullable() }),
});
const linkTimeSchema = z.record(z.string(), z.number()).describe("seconds per link, and offline");

export const deviceHistorySchema = z.object({
  deviceId: deviceIdSchema,
  window: historyWindowSchema,
  from: isoTime,
  until: isoTime,
  availability: availabilitySchema,
  linkTimeS: linkTimeSchema,
  outages: z.array(z.object({ start: isoTime, end: isoTime.nullable().describe("null: still offline"), durationS: z.number(), rootCause: z.string().nullable() })),
  stretches: z
    .array(z.object({ start: isoTime, end: isoTime, state: z.string().describe("the link that carried traffic, offline, or unknown") }))
    .describe("the window cut by presence, oldest first, adjacent stretches of one state merged (none before the device was first seen)"),
  dataBytes: z.record(z.string(), z.object({ rxBytes: z.number(), txBytes: z.number() })).describe("per link, from the heartbeats' counters, resets counted from zero"),
  faults: z.array(faultStatsSchema),
});

export const fleetHistorySchema = z.object({
  window: historyWindowSchema,
  from: isoTime,
  until: isoTime,
  devices: z.number().int(),
  availability: availabilitySchema,
  linkTimeS: linkTimeSchema,
  outages: z.number().int(),
  faults: z.array(faultStatsSchema),
  perDevice: z.array(z.object({ deviceId: deviceIdSchema, availability: z.number().nullable(), outages: z.number().int() })),
});

export const streamQuerySchema = z.strictObject({
  deviceId: deviceIdSchema.optional(),
  types: z.string().max(64).optional().describe("comma-separated: device,event,command"),
  access_token: z.string().optional().describe("for EventSource, which cannot send headers"),
});

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const storedOf = <T extends z.ZodType>(message: T) => z.object({ receivedAt: isoTime, message });

export const idParamsSchema = z.object({ id: z.string().max(64) });
