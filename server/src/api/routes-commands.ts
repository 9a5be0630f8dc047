import type { FastifyInstance } from "fastify";
import { addToken } from "../auth/credentials.ts";
import { UplinkError } from "../errors.ts";
import { parseWith, type ApiDeps } from "./context.ts";
import { pageWithin } from "./page-budget.ts";
import { addTokenBodySchema, commandListQuerySchema, idParamsSchema } from "./schemas.ts";

export function registerCommandRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get("/api/v1/commands", async (req) => {
    const q = parseWith(commandListQuerySchema, req.query, "query");
    return pageWithin((limit) => deps.store.listCommands({ deviceId: q.deviceId, state: q.state, limit, cursor: q.cursor }), q.limit);
  });

  app.get("/api/v1/commands/:id", async (req) => {
    const { id } = parseWith(idParamsSchema, req.params, "params");
    const cmd = deps.fleet.state.commands[id] ?? deps.store.getCommand(id);
    if (!cmd) throw new UplinkError("UPLINK_COMMAND_NOT_FOUND", `no command ${id}`, { commandId: id });
    return cmd;
  });

  app.post("/api/v1/tokens", async (req, reply) => {
    const body = parseWith(addTokenBodySchema, req.body, "body");
    const t = await addToken(deps.store, body.name);
    deps.logger.info({ name: t.name, by: req.operator }, "operator token added");
    // The token, shown this once: no browser or proxy cache may keep a copy.
    return reply.code(201).header("cache-control", "no-store").send({ token: t.token, name: t.name });
  });
}
