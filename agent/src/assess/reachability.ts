import type { Facts } from "../diagnose/facts.ts";

/**
 * Whether a ping bound to the link was answered: true, false, or null when not probed. A ping
 * that sent nothing (`connect: Network is unreachable`: the link is down or has no route) says
 * nothing about the link's upstream, so it is no evidence either way; nor is one through a link
 * that has no default route.
 */
export function reachableThrough(f: Facts, ifname: string): boolean | null {
  const probe = f.ping[ifname];
  if (!probe || !(probe.transmitted > 0)) return null;
  // Without a default route through the link, a bound ping goes nowhere by design: that is a
  // routing fact, not a verdict on the link's upstream.
  if (f.ipRoute && !f.ipRoute.routes.some((r) => r.dst === "default" && r.dev === ifname)) return null;
  return probe.received > 0;
}
