import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";

/** The dashboard's files: plain ES modules, no build step (see dashboard/). */
export const DASHBOARD_DIR = fileURLToPath(new URL("../../../dashboard/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json; charset=utf-8",
};

/**
 * The page holds no data: everything it shows comes from /api/v1 with the operator's token, so its
 * files are public. The policy keeps every script, style and connection on this origin, which
 * makes an injected <script> or a leak of the token to another site fail in the browser too.
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  // Small files: always revalidate, so that a server upgrade never mixes old and new modules.
  "cache-control": "no-cache",
};

/** Every servable file, URL path to disk path; read once, so no request names a file outside it. */
export function dashboardFiles(dir: string = DASHBOARD_DIR): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name.startsWith(".")) continue;
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (TYPES[extname(name)]) files.set(`/${relative(dir, full).split(sep).join("/")}`, full);
    }
  };
  walk(dir);
  return files;
}

/** The request paths the dashboard answers: the API's auth hook lets them through. */
let servedPaths = new Set<string>(["/"]);
export function isDashboardPath(path: string): boolean {
  return servedPaths.has(path);
}

/** Serves dashboard/ at `/`: one GET route per file (no wildcard to shadow the API's 404s). */
export function registerDashboard(app: FastifyInstance, dir: string = DASHBOARD_DIR): void {
  let files: Map<string, string>;
  try {
    files = dashboardFiles(dir);
  } catch (err) {
    app.log.warn({ err, dir }, "no dashboard to serve");
    return;
  }
  servedPaths = new Set(["/", ...files.keys()]);
  const send = (path: string) => async (_req: unknown, reply: import("fastify").FastifyReply) => {
    const body = readFileSync(path);
    return reply.headers(SECURITY_HEADERS).type(TYPES[extname(path)]!).send(body);
  };
  const index = files.get("/index.html");
  if (index) app.get("/", send(index));
  for (const [url, path] of files) app.get(url, send(path));
}
