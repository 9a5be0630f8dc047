import type { LinkReport, LinkRole } from "@uplink/shared";
import type { Facts } from "../diagnose/facts.ts";
import { assessAddress } from "./address.ts";
import { assessCellularHardware } from "./cellular-hardware.ts";
import { assessCellularSession } from "./cellular-session.ts";
import { assessInterface } from "./interface.ts";
import { firstFailing } from "./layer.ts";
import { reachableThrough } from "./reachability.ts";
import { assessWifiAssociation, assessWifiHardware } from "./wifi.ts";

/** Layers 1-4 of one link, and its root cause. */
export function assessLink(f: Facts, ifname: string, role: LinkRole, qmiDevice: string): LinkReport {
  const layers =
    role === "cellular"
      ? [assessCellularHardware(f, ifname), assessCellularSession(f, ifname, qmiDevice)]
      : [assessWifiHardware(f, ifname), assessWifiAssociation(f, ifname)];
  layers.push(assessInterface(f, ifname, role), assessAddress(f, ifname, role));
  return { role, firstFailingLayer: firstFailing(layers), reachable: reachableThrough(f, ifname), layers };
}
