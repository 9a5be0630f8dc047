import type { FastifyInstance } from "fastify";
import { UplinkError } from "../errors.ts";
import { deviceHistory, fleetHistory } from "../history/device-history.ts";
import { parseWith, type ApiDeps } from "./context.ts";
import { historyQuerySchema, idParamsSchema } from "./schemas.ts";

export function registerHistoryRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { fleet, store } = deps;

  app.get("/api/v1/devices/:id/history", async (req) => {
    const { id } = parseWith(idParamsSchema, req.params, "params");
    if (!fleet.device(id) && store.getDevicePasswordHash(id) === null) throw new UplinkError("UPLINK_DEVICE_NOT_FOUND", `no device ${id}`, { deviceId: id });
    const q = parseWith(historyQuerySchema, req.query, "query");
    return deviceHistory(store, id, q.window, Date.now());
  });

  app.get("/api/v1/history", async (req) => {
    const q = parseWith(historyQuerySchema, req.query, "query");
    return fleetHistory(store, Object.keys(fleet.state.devices).sort(), q.window, Date.now());
  });
}
