import type { FastifyInstance } from "fastify";
import { parseWith, type ApiDeps } from "./context.ts";
import { pageWithin } from "./page-budget.ts";
import { alertListQuerySchema } from "./schemas.ts";

export function registerAlertRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get("/api/v1/alerts", async (req) => {
    const q = parseWith(alertListQuerySchema, req.query, "query");
    return pageWithin(
      (limit) => deps.store.listAlerts({ deviceId: q.deviceId, state: q.state, rule: q.rule, sinceMs: q.since, limit, cursor: q.cursor }),
      q.limit,
    );
  });
}
