import type { LayerHealth, LinkReport, Selection } from "@uplink/shared";
import type { Facts } from "../diagnose/facts.ts";
import { ev } from "./evidence.ts";
import { degraded, failing, fix, ok, unknown } from "./layer.ts";

/**
 * Layer 5: is there a default route, and does it send traffic through the link that should carry
 * it? The kernel picks the lowest metric and never fails over on its own while the route stays:
 * a Wi-Fi that is associated but has no upstream keeps its route, and everything goes nowhere.
 */
export function assessRouting(f: Facts, links: Record<string, LinkReport>, selection: Selection): LayerHealth {
  if (!f.ipRoute) return unknown("routing", "ip route was not captured");
  const defaults = f.ipRoute.routes.filter((r) => r.dst === "default");
  const evidence = defaults.map((r) =>
    ev("ip.route", `default${r.gateway ? ` via ${r.gateway}` : ""} dev ${r.dev}${r.metric !== undefined ? ` metric ${r.metric}` : ""}`),
  );
  if (f.errors.ipRouteGet) evidence.push(ev("ip.route-get", f.errors.ipRouteGet.message));
  else if (f.ipRouteGet?.dev) evidence.push(ev("ip.route-get", `${f.ipRouteGet.dst ?? ""} via ${f.ipRouteGet.gateway ?? "-"} dev ${f.ipRouteGet.dev}`));

  const { active, preferred } = selection;
  if (defaults.length === 0) {
    return failing(
      "routing",
      "no-default-route",
      "there is no default route: Network is unreachable",
      [ev("ip.route", "no default route"), ...evidence],
      preferred ? fix("route.replace", { iface: preferred }) : undefined,
    );
  }
  if (!preferred || active === preferred) {
    return ok("routing", active ? `traffic leaves through ${active}` : "a default route exists", evidence);
  }
  const activeReport = active ? links[active] : undefined;
  const hasDefault = defaults.some((r) => r.dev === preferred);
  const toPreferred = hasDefault ? fix("link.prefer", { iface: preferred }) : fix("route.replace", { iface: preferred });
  if (active && activeReport?.reachable === false) {
    evidence.push(ev("ping", `no answer through ${active}`));
    return failing("routing", "active-link-no-upstream", `traffic leaves through ${active}, which has no upstream; ${preferred} works`, evidence, toPreferred);
  }
  if (active && activeReport?.firstFailingLayer) {
    return failing("routing", "default-route-via-dead-link", `traffic leaves through ${active}, which fails at ${activeReport.firstFailingLayer}`, evidence, toPreferred);
  }
  return degraded("routing", "not-on-preferred-link", `traffic leaves through ${active ?? "nothing"}, though ${preferred} is healthy`, evidence, toPreferred);
}
