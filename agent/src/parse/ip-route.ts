import { z } from "zod";
import { count, isPromptLine, parseJsonArray } from "./ip-link.ts";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `ip -j route show` (preferred) or `ip route show`:
 *
 *   default via 10.41.108.1 dev wlan0 proto dhcp metric 100
 *   default via 100.67.169.177 dev wwan0 metric 700
 *   100.67.169.176/30 dev wwan0 proto kernel scope link src 100.67.169.178 metric 700
 *
 * The kernel picks the default route with the lowest metric; a route without one has metric 0
 * (the text form then prints none). Routes without a device (unreachable, blackhole) and
 * multipath `nexthop` lines are left out: uplink's links are single devices.
 */
export const ipRouteSchema = z.object({
  dst: z.string().min(1),
  gateway: z.string().optional(),
  dev: z.string().min(1),
  metric: z.number().int().nonnegative().optional(),
  protocol: z.string().optional(),
  src: z.string().optional(),
  scope: z.string().optional(),
});
export type IpRoute = z.infer<typeof ipRouteSchema>;

export const ipRouteFactsSchema = z.object({ routes: z.array(ipRouteSchema) });
export type IpRouteFacts = z.infer<typeof ipRouteFactsSchema>;

/** Route types iproute2 prints before the destination when they are not `unicast`. */
const routeTypes = new Set([
  "unicast", "local", "broadcast", "multicast", "throw", "unreachable", "prohibit", "blackhole", "nat", "anycast",
]);

const dstRe = /^(default|[0-9a-fA-F:.]+(\/\d{1,3})?)$/;

function routeFromLine(line: string): IpRoute | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] !== undefined && routeTypes.has(words[0])) words.shift();
  const dst = words[0];
  if (dst === undefined || !dstRe.test(dst) || !/[0-9]|default/.test(dst)) return undefined;
  const value = (key: string): string | undefined => {
    const i = words.indexOf(key, 1);
    return i > 0 ? words[i + 1] : undefined;
  };
  const dev = value("dev");
  if (!dev) return undefined;
  const route: IpRoute = { dst, dev };
  const gateway = value("via");
  if (gateway !== undefined) route.gateway = gateway;
  const metric = count(value("metric"));
  if (metric !== undefined) route.metric = metric;
  const protocol = value("proto");
  if (protocol !== undefined) route.protocol = protocol;
  const src = value("src");
  if (src !== undefined) route.src = src;
  const scope = value("scope");
  if (scope !== undefined) route.scope = scope;
  return route;
}

function routeFromJson(item: unknown): IpRoute | undefined {
  if (typeof item !== "object" || item === null) return undefined;
  const o = item as Record<string, unknown>;
  if (typeof o.dst !== "string" || typeof o.dev !== "string" || o.dst === "" || o.dev === "") return undefined;
  const route: IpRoute = { dst: o.dst, dev: o.dev };
  if (typeof o.gateway === "string") route.gateway = o.gateway;
  if (typeof o.metric === "number" && Number.isSafeInteger(o.metric) && o.metric >= 0) route.metric = o.metric;
  if (typeof o.protocol === "string") route.protocol = o.protocol;
  if (typeof o.prefsrc === "string") route.src = o.prefsrc;
  if (typeof o.scope === "string") route.scope = o.scope;
  return route;
}

export function parseIpRoute(text: string): ParseResult<IpRouteFacts> {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    const items = parseJsonArray(trimmed);
    if (!items) return notThisKind("Starts with `[` but is not a JSON array.");
    const routes: IpRoute[] = [];
    for (const item of items) {
      if (typeof item !== "object" || item === null || typeof (item as { dst?: unknown }).dst !== "string") {
        return notThisKind("A JSON element without `dst`: not `ip -j route`.");
      }
      const route = routeFromJson(item);
      if (route) routes.push(route);
    }
    return facts({ routes });
  }
  const routes: IpRoute[] = [];
  let other = 0;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || isPromptLine(line) || /^\s+nexthop\s/.test(line)) continue;
    const route = routeFromLine(line);
    if (route) routes.push(route);
    else other++;
  }
  if (routes.length === 0) return notThisKind("No `DST ... dev DEV` route line.");
  // A route table is all route lines; text that merely contains one is something else.
  if (other > routes.length) return notThisKind("More lines that are not routes than routes.");
  return facts({ routes });
}

export const ipRouteKind = defineKind({
  kind: "ip.route",
  source: "ip -j route show",
  schema: ipRouteFactsSchema,
  parse: parseIpRoute,
});
