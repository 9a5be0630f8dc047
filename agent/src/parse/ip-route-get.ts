import { z } from "zod";
import { ipErrorRe, isPromptLine, parseJsonArray } from "./ip-link.ts";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `ip route get 8.8.8.8` (or `ip -j route get`): the route the kernel would pick, so which link
 * carries the traffic right now.
 *
 *   8.8.8.8 via 100.67.169.177 dev wwan0 src 100.67.169.178 uid 0
 *       cache
 *
 * With no usable route it prints `RTNETLINK answers: Network is unreachable` (an error fact: the
 * routing layer's failure); iproute2 before 4.14 separated fields with two spaces, and before
 * 4.16 printed no `uid`.
 */
export const ipRouteGetRouteSchema = z.object({
  dst: z.string().min(1),
  gateway: z.string().optional(),
  dev: z.string().min(1),
  src: z.string().optional(),
});
export type IpRouteGetRoute = z.infer<typeof ipRouteGetRouteSchema>;
export const ipRouteGetErrorSchema = z.object({ error: z.object({ message: z.string().min(1) }) });
export const ipRouteGetFactsSchema = z.union([ipRouteGetRouteSchema, ipRouteGetErrorSchema]);
export type IpRouteGetFacts = z.infer<typeof ipRouteGetFactsSchema>;

const routeTypes = new Set(["unicast", "local", "broadcast", "multicast", "unreachable", "prohibit", "blackhole"]);

function fromLine(line: string): IpRouteGetFacts | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] !== undefined && routeTypes.has(words[0])) words.shift();
  const dst = words[0];
  if (dst === undefined || !/^[0-9a-fA-F:.]+$/.test(dst) || !/[0-9]/.test(dst)) return undefined;
  const value = (key: string): string | undefined => {
    const i = words.indexOf(key, 1);
    return i > 0 ? words[i + 1] : undefined;
  };
  const dev = value("dev");
  if (!dev) return undefined;
  const route: IpRouteGetRoute = { dst, dev };
  const gateway = value("via");
  if (gateway !== undefined) route.gateway = gateway;
  const src = value("src");
  if (src !== undefined) route.src = src;
  return route;
}

export function parseIpRouteGet(text: string): ParseResult<IpRouteGetFacts> {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    const first = parseJsonArray(trimmed)?.[0];
    if (typeof first !== "object" || first === null) return notThisKind("Not `ip -j route get` JSON.");
    const o = first as Record<string, unknown>;
    if (typeof o.dst !== "string" || typeof o.dev !== "string" || o.dst === "" || o.dev === "") {
      return notThisKind("The JSON route has no `dst` and `dev`.");
    }
    const route: IpRouteGetRoute = { dst: o.dst, dev: o.dev };
    if (typeof o.gateway === "string") route.gateway = o.gateway;
    if (typeof o.prefsrc === "string") route.src = o.prefsrc;
    return facts(route);
  }
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || isPromptLine(line)) continue;
    const error = ipErrorRe.exec(line)?.[1];
    if (error) return facts({ error: { message: error.trim() } });
    const route = fromLine(line);
    if (route) return facts(route);
    // The first meaningful line decides: `ip route get` prints the route first, or an error.
    return notThisKind("The first line is neither a route nor an ip error.");
  }
  return notThisKind("No output.");
}

export const ipRouteGetKind = defineKind({
  kind: "ip.route-get",
  source: "ip route get 8.8.8.8",
  schema: ipRouteGetFactsSchema,
  parse: parseIpRouteGet,
});
