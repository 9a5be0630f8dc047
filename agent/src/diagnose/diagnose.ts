import type { Diagnosis, LinkReport } from "@uplink/shared";
import { assessApplication, internetReachable } from "../assess/application.ts";
import { assessDns } from "../assess/dns.ts";
import { firstFailing } from "../assess/layer.ts";
import { assessLink } from "../assess/link.ts";
import { assessRouting } from "../assess/routing.ts";
import { selectLink } from "../select/link-selection.ts";
import { readFacts, type Facts } from "./facts.ts";
import { linksByPreference, type DiagnoseOptions } from "./options.ts";
import type { Snapshot } from "./snapshot.ts";

/** The whole diagnosis of a snapshot: pure, so a captured Pi diagnoses the same anywhere. */
export function diagnose(snapshot: Snapshot, options: DiagnoseOptions): Diagnosis {
  return assess(readFacts(snapshot), options);
}

export function assess(f: Facts, options: DiagnoseOptions): Diagnosis {
  const order = linksByPreference(options);
  const links: Record<string, LinkReport> = {};
  for (const { ifname, role } of order) links[ifname] = assessLink(f, ifname, role, options.qmiDevice);
  const selection = selectLink(f, links, order);
  const hostLayers = [
    assessRouting(f, links, selection),
    assessDns(f, options.resolvConfPath, internetReachable(f, selection.active)),
    assessApplication(f, selection.active),
  ];
  return { links, host: { firstFailingLayer: firstFailing(hostLayers), layers: hostLayers }, selection };
}
