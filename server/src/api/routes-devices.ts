import type { FastifyInstance } from "fastify";
import { addDevice } from "../auth/credentials.ts";
import { UplinkError } from "../errors.ts";
import { newDevice } from "../state/reducer.ts";
import { parseWith, type ApiDeps } from "./context.ts";
import { pageWithin } from "./page-budget.ts";
import {
  addDeviceBodySchema,
  commandListQuerySchema,
  deviceListQuerySchema,
  eventQuerySchema,
  idParamsSchema,
  issueCommandBodySchema,
  seriesQuerySchema,
} from "./schemas.ts";
import { deviceView, matchesFilter } from "./views.ts";

export function registerDeviceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { fleet, store } = deps;

  function knownDevice(id: string) {
    const d = fleet.device(id);
    if (d) return d;
    if (store.getDevicePasswordHash(id) !== null) return newDevice(id);
    throw new UplinkError("UPLINK_DEVICE_NOT_FOUND", `no device ${id}`, { deviceId: id });
  }

  app.get("/api/v1/devices", async (req) => {
    const q = parseWith(deviceListQuerySchema, req.query, "query");
    return Object.values(fleet.state.devices)
      .filter((d) => matchesFilter(d, q))
      .sort((a, b) => a.deviceId.localeCompare(b.deviceId))
      .slice(q.offset, q.offset + q.limit)
      .map(deviceView);
  });

  app.post("/api/v1/devices", async (req, reply) => {
    const body = parseWith(addDeviceBodySchema, req.body, "body");
    const creds = await addDevice(store, body.deviceId);
    fleet.dispatch({ kind: "device.registered", deviceId: creds.deviceId });
    deps.logger.info({ deviceId: creds.deviceId, by: req.operator }, "device added");
    // The password, shown this once: no browser or proxy cache may keep a copy.
    return reply.code(201).header("cache-control", "no-store").send(creds);
  });

  app.get("/api/v1/devices/:id", async (req) => {
    const { id } = parseWith(idParamsSchema, req.params, "params");
    return deviceView(knownDevice(id));
  });

  app.get("/api/v1/devices/:id/events", async (req) => {
    const { id } = parseWith(idParamsSchema, req.params, "params");
    knownDevice(id);
    const q = parseWith(eventQuerySchema, req.query, "query");
    return pageWithin((limit) => store.listEvents({ deviceId: id, sinceMs: q.since, untilMs: q.until, limit, cursor: q.cursor, type: q.type }), q.limit);
  });

  app.get("/api/v1/devices/:id/health", async (req) => {
    const { id } = parseWith(idParamsSchema, req.params, "params");
    knownDevice(id);
    const q = parseWith(seriesQuerySchema, req.query, "query");
    return pageWithin((limit) => store.listHealth({ deviceId: id, sinceMs: q.since, untilMs: q.until, limit, cursor: q.cursor }), q.limit);
  });

  app.get("/api/v1/devices/:id/heartbeats", async (req) => {
    const { id } = parseWith(idParamsSchema, req.params, "params");
    knownDevice(id);
    const q = parseWith(seriesQuerySchema, req.query, "query");
    return pageWithin((limit) => store.listHeartbeats({ deviceId: id, sinceMs: q.since, untilMs: q.until, limit, cursor: q.cursor }), q.limit);
  });

  app.get("/api/v1/devices/:id/commands", async (req) => {
    const { id } = parseWith(idParamsSchema, req.params, "params");
    knownDevice(id);
    const q = parseWith(commandListQuerySchema.omit({ deviceId: true }), req.query, "query");
    return pageWithin((limit) => store.listCommands({ deviceId: id, state: q.state, limit, cursor: q.cursor }), q.limit);
  });

  app.post("/api/v1/devices/:id/commands", async (req, reply) => {
    const { id } = parseWith(idParamsSchema, req.params, "params");
    const body = parseWith(issueCommandBodySchema, req.body, "body");
    const cmd = await deps.dispatcher.issue({
      deviceId: id,
      name: body.name,
      args: body.args,
      expiresInS: body.expiresInS,
      issuedBy: req.operator ?? "unknown",
    });
    return reply.code(201).send(cmd);
  });
}
