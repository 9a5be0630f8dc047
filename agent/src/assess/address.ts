import type { LayerHealth } from "@uplink/shared";
import type { Facts } from "../diagnose/facts.ts";
import { ev } from "./evidence.ts";
import { degraded, failing, fix, ok, unknown } from "./layer.ts";
import { dhcpRun } from "./link-state.ts";

function ipv4Of(f: Facts, ifname: string) {
  const iface = f.ipAddr?.interfaces.find((i) => i.ifname === ifname);
  return iface?.addresses.find((a) => a.family === "inet");
}

export function hasIpv4(f: Facts, ifname: string): boolean {
  return ipv4Of(f, ifname) !== undefined;
}

/** Layer 4: the link holds an IPv4 address (from DHCP). */
export function assessAddress(f: Facts, ifname: string, role: "wifi" | "cellular"): LayerHealth {
  const lease = dhcpRun(f, ifname, role);
  const evidence = lease
    ? [ev("udhcpc", lease.leaseObtained ? `lease of ${lease.address} obtained` : "no lease obtained")]
    : [];
  if (!f.ipAddr) {
    // Without ip addr, a DHCP client that got no lease is the evidence: the link has no address.
    if (lease && !lease.leaseObtained) {
      return failing("ip", "no-lease", `udhcpc got no lease on ${ifname}`, evidence, fix("dhcp.renew", { iface: ifname }));
    }
    if (lease?.leaseObtained) return ok("ip", `lease of ${lease.address} obtained`, evidence);
    return unknown("ip", "ip addr was not captured");
  }
  const iface = f.ipAddr.interfaces.find((i) => i.ifname === ifname);
  if (!iface) return unknown("ip", `${ifname} does not exist`);
  const inet = ipv4Of(f, ifname);
  if (!inet) {
    return failing("ip", "no-lease", `${ifname} has no IPv4 address`, [ev("ip.addr", `no inet on ${ifname}`), ...evidence], fix("dhcp.renew", { iface: ifname }));
  }
  const cidr = `${inet.local}/${inet.prefixlen}`;
  evidence.unshift(ev("ip.addr", `inet ${cidr} on ${ifname}`));
  // The modem hands out a new address with each session; a stale one on wwan0 routes nowhere.
  const assigned = role === "cellular" ? f.settings?.ipv4Address : undefined;
  if (assigned && assigned !== inet.local) {
    evidence.push(ev("qmicli.wds-get-current-settings", `the modem assigned ${assigned}`));
    return degraded("ip", "stale-address", `${ifname} holds ${inet.local}, the modem assigned ${assigned}`, evidence, fix("dhcp.renew", { iface: ifname }));
  }
  return ok("ip", `inet ${cidr}`, evidence);
}
