import type { Facts } from "../diagnose/facts.ts";
import type { IpLink } from "../parse/ip-link.ts";
import type { UdhcpcFacts } from "../parse/udhcpc.ts";

/**
 * A link's flags and operstate wherever a capture carries them: `ip link`, else `ip addr` (whose
 * every interface line has the same `<FLAGS> ... state X`). `source` names the capture.
 */
export function linkState(f: Facts, ifname: string): { link: Pick<IpLink, "ifname" | "flags" | "up" | "lowerUp" | "operstate">; source: string } | null {
  const link = f.ipLink?.links.find((l) => l.ifname === ifname);
  if (link) return { link, source: "ip.link" };
  const iface = f.ipAddr?.interfaces.find((i) => i.ifname === ifname);
  if (iface) return { link: iface, source: "ip.addr" };
  return null;
}

/** A capture that lists the links, or says this one does not exist: the link is known to be missing. */
export function linkMissing(f: Facts, ifname: string): { source: string; fact: string } | null {
  if (linkState(f, ifname)) return null;
  const noDevice = (message: string | undefined) => message !== undefined && message.includes(`"${ifname}"`) && /does not exist|Cannot find device/.test(message);
  if (f.ipLink && (f.ipLink.links.length > 0 || noDevice(f.ipLink.error?.message))) return { source: "ip.link", fact: f.ipLink.error?.message ?? `no ${ifname}` };
  if (f.ipAddr && (f.ipAddr.interfaces.length > 0 || noDevice(f.ipAddr.error?.message))) return { source: "ip.addr", fact: f.ipAddr.error?.message ?? `no ${ifname}` };
  return null;
}

/** The link's DHCP run: captured under its name, or an unnamed capture that names it (or any, for the modem's link). */
export function dhcpRun(f: Facts, ifname: string, role: "wifi" | "cellular"): UdhcpcFacts | undefined {
  const own = f.udhcpc[ifname];
  if (own) return own;
  const unnamed = f.udhcpc[""];
  if (!unnamed) return undefined;
  if (unnamed.iface !== undefined) return unnamed.iface === ifname ? unnamed : undefined;
  // The field guide runs udhcpc on the modem's link only.
  return role === "cellular" ? unnamed : undefined;
}
