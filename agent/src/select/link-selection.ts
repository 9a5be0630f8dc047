import type { LinkReport, Selection } from "@uplink/shared";
import type { Facts } from "../diagnose/facts.ts";

export interface PreferenceEntry {
  ifname: string;
  role: "wifi" | "cellular";
}

/** The link `ip route get` picks, or else the lowest-metric default route's. */
export function activeLink(f: Facts): { dev: string | null; gateway?: string } {
  const get = f.ipRouteGet;
  if (get?.dev) return { dev: get.dev, ...(get.gateway ? { gateway: get.gateway } : {}) };
  const defaults = (f.ipRoute?.routes ?? [])
    .filter((r) => r.dst === "default")
    .sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0));
  const first = defaults[0];
  if (!first) return { dev: null };
  return { dev: first.dev, ...(first.gateway ? { gateway: first.gateway } : {}) };
}

/** A link can carry traffic when nothing in layers 1-4 fails and its probe, if any, was answered. */
function usable(report: LinkReport | undefined): boolean {
  return report !== undefined && report.firstFailingLayer === null && report.reachable !== false;
}

/**
 * Which link carries traffic now, which should, and whether the host is on its fallback. Pure:
 * the same facts always give the same answer, so the runtime's hysteresis lives elsewhere.
 */
export function selectLink(f: Facts, links: Record<string, LinkReport>, order: readonly PreferenceEntry[]): Selection {
  const { dev: active, gateway } = activeLink(f);
  const preferred = order.find((l) => usable(links[l.ifname]))?.ifname ?? null;
  const first = order[0]?.ifname;
  const onFallback = active !== null && active !== first;
  let reason: string;
  if (active === null) reason = "no default route";
  else if (preferred === null) reason = `traffic leaves through ${active}, but no link is usable`;
  else if (active === preferred) reason = active === first ? `${active} is the first choice and works` : `${first} is unusable; ${active} carries traffic`;
  else reason = `traffic leaves through ${active}, but ${preferred} should carry it`;
  return { active, preferred, onFallback, ...(gateway ? { gateway } : {}), reason };
}
