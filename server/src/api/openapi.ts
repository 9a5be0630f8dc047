import { z } from "zod";
import { COMMAND_NAMES, catalog } from "@uplink/shared";
import {
  addDeviceBodySchema,
  addTokenBodySchema,
  alertListQuerySchema,
  deviceHistorySchema,
  fleetHistorySchema,
  historyQuerySchema,
  commandListQuerySchema,
  commandViewSchema,
  deviceCredentialsSchema,
  deviceListQuerySchema,
  deviceViewSchema,
  errorSchema,
  eventQuerySchema,
  issueCommandBodySchema,
  pageOf,
  seriesQuerySchema,
  storedOf,
  streamQuerySchema,
  tokenSchema,
} from "./schemas.ts";
import { eventSchema, healthSchema, heartbeatSchema } from "@uplink/shared";
import { alertSchema } from "../alerts/alert.ts";

interface RouteDoc {
  method: "get" | "post";
  path: string;
  summary: string;
  auth: boolean;
  query?: z.ZodObject;
  body?: z.ZodType;
  response?: z.ZodType;
  status?: number;
  contentType?: string;
}

/** Every route of the API; a test checks that the server registers exactly these. */
export const ROUTES: readonly RouteDoc[] = [
  { method: "get", path: "/healthz", summary: "liveness: the server and its broker connection", auth: false },
  { method: "get", path: "/metrics", summary: "Prometheus metrics", auth: false, contentType: "text/plain" },
  { method: "get", path: "/api/v1/openapi.json", summary: "this document", auth: false },
  { method: "get", path: "/api/v1/devices", summary: "the fleet, filtered", auth: true, query: deviceListQuerySchema, response: z.array(deviceViewSchema) },
  { method: "post", path: "/api/v1/devices", summary: "add a device; its password is in this answer only", auth: true, body: addDeviceBodySchema, response: deviceCredentialsSchema, status: 201 },
  { method: "get", path: "/api/v1/devices/{id}", summary: "one device with its current report", auth: true, response: deviceViewSchema },
  { method: "get", path: "/api/v1/devices/{id}/events", summary: "a device's events, newest first", auth: true, query: eventQuerySchema, response: pageOf(storedOf(eventSchema)) },
  { method: "get", path: "/api/v1/devices/{id}/health", summary: "a device's health reports, newest first", auth: true, query: seriesQuerySchema, response: pageOf(storedOf(healthSchema)) },
  { method: "get", path: "/api/v1/devices/{id}/heartbeats", summary: "a device's heartbeats (downsampled past the retention window)", auth: true, query: seriesQuerySchema, response: pageOf(storedOf(heartbeatSchema)) },
  { method: "get", path: "/api/v1/devices/{id}/commands", summary: "a device's commands, newest first", auth: true, query: commandListQuerySchema.omit({ deviceId: true }), response: pageOf(commandViewSchema) },
  { method: "post", path: "/api/v1/devices/{id}/commands", summary: "issue a command of the catalog; it waits while the device is offline, until it expires", auth: true, body: issueCommandBodySchema, response: commandViewSchema, status: 201 },
  { method: "get", path: "/api/v1/commands", summary: "commands, newest first", auth: true, query: commandListQuerySchema, response: pageOf(commandViewSchema) },
  { method: "get", path: "/api/v1/commands/{id}", summary: "a command's lifecycle and the device's responses", auth: true, response: commandViewSchema },
  { method: "get", path: "/api/v1/devices/{id}/history", summary: "a device over a window: availability, time per link, outages, data per link, faults and their fixes", auth: true, query: historyQuerySchema, response: deviceHistorySchema },
  { method: "get", path: "/api/v1/history", summary: "the fleet over a window: availability, time per link, outages, faults and their fixes", auth: true, query: historyQuerySchema, response: fleetHistorySchema },
  { method: "get", path: "/api/v1/alerts", summary: "alerts, newest first: firing ones and resolved ones with when they began and ended", auth: true, query: alertListQuerySchema, response: pageOf(alertSchema) },
  { method: "post", path: "/api/v1/tokens", summary: "add an operator token; shown in this answer only", auth: true, body: addTokenBodySchema, response: tokenSchema, status: 201 },
  { method: "get", path: "/api/v1/stream", summary: "live updates as Server-Sent Events (event: device, event, command)", auth: true, query: streamQuerySchema, contentType: "text/event-stream" },
];

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

function parameters(route: RouteDoc): unknown[] {
  const params: unknown[] = [];
  if (route.path.includes("{id}")) params.push({ name: "id", in: "path", required: true, schema: { type: "string" } });
  if (route.query) {
    const props = (jsonSchema(route.query).properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [name, schema] of Object.entries(props)) {
      params.push({ name, in: "query", required: false, schema, description: schema.description });
    }
  }
  return params;
}

/** The OpenAPI 3.1 document, generated from the same zod schemas the handlers parse with. */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const status = String(r.status ?? 200);
    const content = r.response
      ? { "application/json": { schema: jsonSchema(r.response) } }
      : { [r.contentType ?? "application/json"]: { schema: { type: r.contentType ? "string" : "object" } } };
    paths[r.path] ??= {};
    paths[r.path]![r.method] = {
      summary: r.summary,
      security: r.auth ? [{ bearer: [] }] : [],
      parameters: parameters(r),
      ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(r.body) } } } } : {}),
      responses: {
        [status]: { description: "OK", content },
        default: { description: "an error with its code", content: { "application/json": { schema: jsonSchema(errorSchema) } } },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "uplink server API",
      version,
      description: `Commands of the catalog: ${COMMAND_NAMES.map((n) => `${n} (${catalog[n].summary})`).join("; ")}.`,
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    paths,
  };
}
