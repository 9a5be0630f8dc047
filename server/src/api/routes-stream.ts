import type { FastifyInstance } from "fastify";
import type { LiveUpdate } from "../fleet.ts";
import { parseWith, type ApiDeps } from "./context.ts";
import { streamQuerySchema } from "./schemas.ts";
import { deviceView } from "./views.ts";

const KEEPALIVE_MS = 15_000;

/**
 * How much one stream may have written and not yet sent. A client that stopped reading (a
 * stalled network, a tab in the background, on purpose) would otherwise make the server keep
 * every update for it: 100 such clients took the server from 205 to 643 MiB (issue 11). Past
 * this the client is dropped; the dashboard reconnects and loads what it missed, as after any
 * lost stream. The kernel's socket buffers hold several MiB more before anything counts here.
 */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

function payloadOf(u: LiveUpdate): unknown {
  if (u.type === "device") return deviceView(u.device);
  if (u.type === "event") return { deviceId: u.deviceId, receivedAt: u.receivedAt, event: u.event };
  return u.command;
}

// One update goes to every client: serialized once, not once per client.
const serialized = new WeakMap<LiveUpdate, string>();
function dataOf(u: LiveUpdate): string {
  let data = serialized.get(u);
  if (data === undefined) {
    data = JSON.stringify(payloadOf(u));
    serialized.set(u, data);
  }
  return data;
}

/**
 * Server-Sent Events: one `event: device|event|command` frame per change, `data` the same JSON the
 * REST routes return. A comment line every 15 s keeps proxies from closing an idle stream.
 */
export function registerStreamRoute(app: FastifyInstance, deps: ApiDeps, maxBufferedBytes = SSE_MAX_BUFFERED_BYTES): void {
  let clients = 0;
  deps.metrics.gauge("uplink_sse_clients", "live streams open now", () => clients);

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
    clients++;
    let id = 0;
    let open = true;
    const write = (frame: string) => {
      if (!open) return;
      if (res.writableLength > maxBufferedBytes) {
        deps.metrics.inc("uplink_sse_clients_dropped_total");
        req.log.warn({ operator: req.operator, buffered: res.writableLength }, "live stream dropped: the client is not reading");
        stop();
        res.destroy();
        return;
      }
      res.write(frame);
    };
    const off = deps.fleet.onUpdate((u) => {
      if (!types.has(u.type)) return;
      if (q.deviceId && u.deviceId !== q.deviceId) return;
      write(`id: ${++id}\nevent: ${u.type}\ndata: ${dataOf(u)}\n\n`);
    });
    const keepalive = setInterval(() => write(": keepalive\n\n"), KEEPALIVE_MS);
    function stop() {
      if (!open) return;
      open = false;
      clients--;
      clearInterval(keepalive);
      off();
    }
    req.raw.on("close", stop);
    res.on("close", stop);
  });
}
