import type { LayerHealth } from "@uplink/shared";
import type { Facts } from "../diagnose/facts.ts";
import { ev } from "./evidence.ts";
import { degraded, failing, fix, ok, unknown } from "./layer.ts";
import { linkState } from "./link-state.ts";

/** Layer 3: the interface is administratively UP and has carrier (LOWER_UP). */
export function assessInterface(f: Facts, ifname: string, role: "wifi" | "cellular"): LayerHealth {
  if (!f.ipLink && !f.ipAddr) return unknown("interface", "neither ip link nor ip addr was captured");
  const state = linkState(f, ifname);
  if (!state) return unknown("interface", `${ifname} does not exist`);
  const { link, source } = state;
  const evidence = [ev(source, `${ifname} <${link.flags.join(",")}> state ${link.operstate}`)];
  if (!link.up) {
    return failing("interface", "link-down", `${ifname} is down`, evidence, fix("link.up", { iface: ifname }));
  }
  if (!link.lowerUp) {
    return failing("interface", "no-carrier", `${ifname} is up but has no carrier`, evidence);
  }
  // LTE needs raw-IP framing on a SIM7600; 802.3 framing silently passes nothing.
  const framing = role === "cellular" ? f.dataFormat?.linkLayerProtocol : undefined;
  if (framing && framing !== "raw-ip") {
    evidence.push(ev("qmicli.wda-get-data-format", `link layer protocol ${framing}`));
    return degraded("interface", "not-raw-ip", `the modem frames ${framing}, not raw-ip`, evidence);
  }
  return ok("interface", `${ifname} is UP, LOWER_UP`, evidence);
}
