import type { LayerHealth } from "@uplink/shared";
import type { Facts } from "../diagnose/facts.ts";
import { ev } from "./evidence.ts";
import { failing, ok, unknown } from "./layer.ts";
import { linkMissing, linkState } from "./link-state.ts";

/** Layer 1 for Wi-Fi: the interface exists (its driver is bound). */
export function assessWifiHardware(f: Facts, ifname: string): LayerHealth {
  const state = linkState(f, ifname);
  if (state) return ok("hardware", `${ifname} is present`, [ev(state.source, `${ifname} exists`)]);
  const missing = linkMissing(f, ifname);
  if (missing) return failing("hardware", "interface-missing", `${ifname} does not exist: no Wi-Fi driver bound`, [ev(missing.source, missing.fact)]);
  return unknown("hardware", "neither ip link nor ip addr was captured");
}

/**
 * Layer 2 for Wi-Fi: associated with an access point. NetworkManager says so where it manages the
 * link; otherwise carrier on a Wi-Fi interface means associated.
 */
export function assessWifiAssociation(f: Facts, ifname: string): LayerHealth {
  const nm = f.nmcli?.devices.find((d) => d.device === ifname);
  if (nm && nm.state !== "unmanaged") {
    const evidence = [ev("nmcli.device", `${ifname} ${nm.state}${nm.connection ? ` (${nm.connection})` : ""}`)];
    if (nm.state === "connected") return ok("session", `associated${nm.connection ? ` with ${nm.connection}` : ""}`, evidence);
    if (nm.state.startsWith("connecting")) return unknown("session", `NetworkManager is ${nm.state}`, evidence);
    return failing("session", "wifi-not-associated", `${ifname} is ${nm.state}`, evidence);
  }
  const state = linkState(f, ifname);
  if (!state) return unknown("session", `no facts about ${ifname}'s association`);
  const { link } = state;
  const evidence = [ev(state.source, `${ifname} <${link.flags.join(",")}>`)];
  if (!link.up) return unknown("session", `${ifname} is down: association unknown`, evidence);
  if (link.lowerUp) return ok("session", "associated (carrier up)", evidence);
  return failing("session", "wifi-not-associated", `${ifname} is up but not associated (no carrier)`, evidence);
}
