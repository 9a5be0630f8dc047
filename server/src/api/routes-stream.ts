import type { FastifyInstance } from "fastify";
import type { LiveUpdate } from "../fleet.ts";
import { parseWith, type ApiDeps } from "./context.ts";
import { streamQuerySchema } from "./schemas.ts";
import { deviceView } from "./views.ts";

const KEEPALIVE_MS = 15_000;

function payloadOf(u: LiveUpdate): unknown {
  if (u.type === "device") return deviceView(u.device);
  if (u.type === "event") return { deviceId: u.deviceId, receivedAt: u.receivedAt, event: u.event };
  return u.command;
}

/**
 * Server-Sent Events: one `event: device|event|command` frame per change, `data` the same JSON the
 * REST routes return. A comment line every 15 s keeps proxies from closing an idle stream.
 */
export function registerStreamRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.get("/api/v1/stream", async (req, reply) => {
    const q = parseWith(streamQuerySchema, req.query, "query");
    const types = new Set((q.types ?? "device,event,command").split(",").map((t) => t.trim()));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write(": uplink live updates\n\n");
    let id = 0;
    const off = deps.fleet.onUpdate((u) => {
      if (!types.has(u.type)) return;
      if (q.deviceId && u.deviceId !== q.deviceId) return;
      res.write(`id: ${++id}\nevent: ${u.type}\ndata: ${JSON.stringify(payloadOf(u))}\n\n`);
    });
    const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
    const stop = () => {
      clearInterval(keepalive);
      off();
    };
    req.raw.on("close", stop);
    res.on("close", stop);
  });
}
