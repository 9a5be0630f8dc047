import { z } from "zod";
import {
  applyLinkLine,
  firstIpError,
  linkFromHeader,
  linkFromJson,
  count,
  parseJsonArray,
  type IpLink,
} from "./ip-link.ts";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `ip -j addr show` (preferred) or `ip addr show` / `ip -4 addr show wwan0`:
 *
 *   3: wwan0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UNKNOWN ...
 *       link/none
 *       inet 100.67.169.178/30 brd 100.67.169.179 scope global dynamic wwan0
 *          valid_lft 7190sec preferred_lft 7190sec
 *
 * `valid_lft forever` (JSON: 4294967295) is a static address: validLftS null. A DHCP address
 * (dhcpcd, NetworkManager) is `dynamic` with a lifetime that counts down to its renewal.
 */
export const ipAddressSchema = z.object({
  family: z.enum(["inet", "inet6"]),
  local: z.string().min(1),
  prefixlen: z.number().int().min(0).max(128),
  broadcast: z.string().optional(),
  scope: z.string().optional(),
  dynamic: z.boolean().optional(),
  /** Seconds left of the address's valid lifetime; null for `forever`. */
  validLftS: z.number().int().nonnegative().nullable().optional(),
});
export type IpAddress = z.infer<typeof ipAddressSchema>;

export const ipAddrInterfaceSchema = z.object({
  ifname: z.string().min(1),
  index: z.number().int().nonnegative().optional(),
  flags: z.array(z.string()),
  up: z.boolean(),
  lowerUp: z.boolean(),
  operstate: z.string(),
  mtu: z.number().int().nonnegative().optional(),
  linkType: z.string().optional(),
  addresses: z.array(ipAddressSchema),
});
export type IpAddrInterface = z.infer<typeof ipAddrInterfaceSchema>;

export const ipAddrFactsSchema = z.object({
  interfaces: z.array(ipAddrInterfaceSchema),
  error: z.object({ message: z.string().min(1) }).optional(),
});
export type IpAddrFacts = z.infer<typeof ipAddrFactsSchema>;

/** The kernel's "infinite lifetime" (INFINITY_LIFE_TIME), which the text form prints as forever. */
const FOREVER = 4294967295;

function toInterface(link: IpLink): IpAddrInterface {
  const iface: IpAddrInterface = {
    ifname: link.ifname,
    flags: link.flags,
    up: link.up,
    lowerUp: link.lowerUp,
    operstate: link.operstate,
    addresses: [],
  };
  if (link.index !== undefined) iface.index = link.index;
  if (link.mtu !== undefined) iface.mtu = link.mtu;
  if (link.linkType !== undefined) iface.linkType = link.linkType;
  return iface;
}

const addrLineRe = /^\s*(inet6?)\s+(\S+)(.*)$/;

/** `inet 10.0.0.5/24 brd ... scope global dynamic wlan0`, or `inet A peer B/32` on PPP links. */
function addressFromLine(line: string): IpAddress | undefined {
  const m = addrLineRe.exec(line);
  if (!m) return undefined;
  const family = m[1] as "inet" | "inet6";
  const rest = m[3] ?? "";
  const [local, prefix] = m[2]!.split("/");
  const peerPrefix = /\bpeer \S+\/(\d+)/.exec(rest)?.[1];
  const prefixlen = Number(prefix ?? peerPrefix ?? (family === "inet" ? 32 : 128));
  if (!local || !Number.isInteger(prefixlen) || prefixlen > 128) return undefined;
  const address: IpAddress = { family, local, prefixlen };
  const brd = /\bbrd (\S+)/.exec(rest)?.[1];
  if (brd !== undefined) address.broadcast = brd;
  const scope = /\bscope (\S+)/.exec(rest)?.[1];
  if (scope !== undefined) address.scope = scope;
  address.dynamic = /\sdynamic(\s|$)/.test(rest);
  return address;
}

function addressFromJson(item: unknown): IpAddress | undefined {
  if (typeof item !== "object" || item === null) return undefined;
  const o = item as Record<string, unknown>;
  if ((o.family !== "inet" && o.family !== "inet6") || typeof o.local !== "string") return undefined;
  if (typeof o.prefixlen !== "number" || !Number.isInteger(o.prefixlen) || o.prefixlen < 0 || o.prefixlen > 128) {
    return undefined;
  }
  const address: IpAddress = { family: o.family, local: o.local, prefixlen: o.prefixlen };
  if (typeof o.broadcast === "string") address.broadcast = o.broadcast;
  if (typeof o.scope === "string") address.scope = o.scope;
  address.dynamic = o.dynamic === true;
  if (typeof o.valid_life_time === "number" && Number.isSafeInteger(o.valid_life_time) && o.valid_life_time >= 0) {
    address.validLftS = o.valid_life_time >= FOREVER ? null : o.valid_life_time;
  }
  return address;
}

function parseJson(text: string): ParseResult<IpAddrFacts> {
  const items = parseJsonArray(text);
  if (!items) return notThisKind("Starts with `[` but is not a JSON array.");
  const interfaces: IpAddrInterface[] = [];
  for (const item of items) {
    const link = linkFromJson(item);
    // `ip -j -4 addr` also prints `{}` for each interface without an IPv4 address.
    if (!link) {
      if (typeof item === "object" && item !== null && Object.keys(item).length === 0) continue;
      return notThisKind("A JSON element without `ifname`: not `ip -j addr`.");
    }
    const iface = toInterface(link);
    const info = (item as Record<string, unknown>).addr_info;
    if (Array.isArray(info)) {
      for (const a of info) {
        const address = addressFromJson(a);
        if (address) iface.addresses.push(address);
      }
    }
    interfaces.push(iface);
  }
  return facts({ interfaces });
}

export function parseIpAddr(text: string): ParseResult<IpAddrFacts> {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) return parseJson(trimmed);
  const interfaces: IpAddrInterface[] = [];
  let last: IpLink | undefined;
  for (const line of text.split(/\r?\n/)) {
    const link = linkFromHeader(line);
    if (link) {
      last = link;
      interfaces.push(toInterface(link));
      continue;
    }
    const iface = interfaces[interfaces.length - 1];
    if (!iface || !last) continue;
    if (iface.linkType === undefined && applyLinkLine(last, line)) {
      if (last.linkType !== undefined) iface.linkType = last.linkType;
      continue;
    }
    const address = addressFromLine(line);
    if (address) {
      iface.addresses.push(address);
      continue;
    }
    const lft = /^\s*valid_lft (\S+)/.exec(line)?.[1];
    const current = iface.addresses[iface.addresses.length - 1];
    if (lft !== undefined && current) {
      const seconds = count(/^(\d+)sec$/.exec(lft)?.[1]);
      if (lft === "forever") current.validLftS = null;
      else if (seconds !== undefined) current.validLftS = seconds;
    }
  }
  if (interfaces.length > 0) return facts({ interfaces });
  const error = firstIpError(text);
  if (error) return facts({ interfaces: [], error: { message: error } });
  return notThisKind("No `N: name: <FLAGS>` interface line and no ip error.");
}

export const ipAddrKind = defineKind({
  kind: "ip.addr",
  source: "ip -j addr show",
  schema: ipAddrFactsSchema,
  parse: parseIpAddr,
});
