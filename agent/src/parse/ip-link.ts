import { z } from "zod";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `ip -j link show` (preferred) or `ip link show`:
 *
 *   4: wwan0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UNKNOWN ...
 *       link/none
 *
 * A qmi_wwan device in raw-IP mode is `link/none` and POINTOPOINT,NOARP; in 802.3 mode it is
 * `link/ether`. Its operstate stays UNKNOWN even when it carries traffic (the driver never reports
 * carrier state), so "is it up" is the UP and LOWER_UP flags, not `state UP`.
 * `ip link show dev X` for a missing X prints `Device "X" does not exist.`: an error fact.
 */
export const ipLinkSchema = z.object({
  ifname: z.string().min(1),
  index: z.number().int().nonnegative().optional(),
  flags: z.array(z.string()),
  up: z.boolean(),
  lowerUp: z.boolean(),
  operstate: z.string(),
  mtu: z.number().int().nonnegative().optional(),
  /** As the text form prints it: `link/ether`, `link/none`, `link/ppp`, `link/loopback`. */
  linkType: z.string().optional(),
  address: z.string().optional(),
  qdisc: z.string().optional(),
});
export type IpLink = z.infer<typeof ipLinkSchema>;

export const ipLinkFactsSchema = z.object({
  links: z.array(ipLinkSchema),
  error: z.object({ message: z.string().min(1) }).optional(),
});
export type IpLinkFacts = z.infer<typeof ipLinkFactsSchema>;

/** `N: name[@peer]: <FLAGS> rest`, the first line of each interface in `ip link`/`ip addr`. */
const headerRe = /^\s*(\d+):\s+([^\s:@]+)(?:@[^\s:]+)?:\s+<([^>]*)>(.*)$/;
const linkLineRe = /^\s*(link\/[\w-]+)(?:\s+(\S+))?/;
/** iproute2's own complaints; the error is the evidence (e.g. that wwan0 does not exist). */
export const ipErrorRe = /^\s*(Device "[^"]*" does not exist\.|RTNETLINK answers: .+|Error: .+|Cannot find device .+)$/;

/** Shell prompts people leave in published captures (`$ ip a`, `root@pi:~# ip r`, `# ip l`). */
export function isPromptLine(line: string): boolean {
  return /^\s*([$#]|\S+@\S+.*?[$#])(\s|$)/.test(line) && !headerRe.test(line);
}

export function linkFromHeader(line: string): IpLink | undefined {
  const m = headerRe.exec(line);
  if (!m) return undefined;
  const flags = m[3]!.split(",").filter((f) => f.length > 0);
  const rest = m[4] ?? "";
  const link: IpLink = {
    ifname: m[2]!,
    flags,
    up: flags.includes("UP"),
    lowerUp: flags.includes("LOWER_UP"),
    operstate: /\bstate (\S+)/.exec(rest)?.[1] ?? "UNKNOWN",
  };
  const index = count(m[1]);
  if (index !== undefined) link.index = index;
  const mtu = count(/\bmtu (\d+)/.exec(rest)?.[1]);
  if (mtu !== undefined) link.mtu = mtu;
  const qdisc = /\bqdisc (\S+)/.exec(rest)?.[1];
  if (qdisc !== undefined) link.qdisc = qdisc;
  return link;
}

/** Fills linkType/address from a `link/...` line; true when the line was one. */
export function applyLinkLine(link: IpLink, line: string): boolean {
  const m = linkLineRe.exec(line);
  if (!m) return false;
  link.linkType = m[1]!;
  if (m[2] !== undefined && m[2] !== "brd") link.address = m[2];
  return true;
}

/** The fields `ip -j link` and `ip -j addr` share, from one array element. */
export function linkFromJson(item: unknown): IpLink | undefined {
  if (typeof item !== "object" || item === null) return undefined;
  const o = item as Record<string, unknown>;
  if (typeof o.ifname !== "string" || o.ifname === "") return undefined;
  const flags = Array.isArray(o.flags) ? o.flags.filter((f): f is string => typeof f === "string") : [];
  const link: IpLink = {
    ifname: o.ifname,
    flags,
    up: flags.includes("UP"),
    lowerUp: flags.includes("LOWER_UP"),
    operstate: typeof o.operstate === "string" ? o.operstate : "UNKNOWN",
  };
  if (isCount(o.ifindex)) link.index = o.ifindex;
  if (isCount(o.mtu)) link.mtu = o.mtu;
  if (typeof o.link_type === "string") link.linkType = `link/${o.link_type}`;
  if (typeof o.address === "string") link.address = o.address;
  if (typeof o.qdisc === "string") link.qdisc = o.qdisc;
  return link;
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** A decimal string as a number, if it is one a schema's `int()` accepts (no 1e30 from a typo). */
export function count(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `ip -j` prints one JSON array; anything else starting with `[` is not ip's. */
export function parseJsonArray(text: string): unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function firstIpError(text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const m = ipErrorRe.exec(line);
    if (m) return m[1]!.trim();
  }
  return undefined;
}

export function parseIpLink(text: string): ParseResult<IpLinkFacts> {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    const items = parseJsonArray(trimmed);
    if (!items) return notThisKind("Starts with `[` but is not a JSON array.");
    const links = items.map(linkFromJson);
    if (links.some((l) => l === undefined)) return notThisKind("A JSON element without `ifname`: not `ip -j link`.");
    return facts({ links: links as IpLink[] });
  }
  const links: IpLink[] = [];
  for (const line of text.split(/\r?\n/)) {
    const link = linkFromHeader(line);
    if (link) {
      links.push(link);
      continue;
    }
    const last = links[links.length - 1];
    if (last && last.linkType === undefined) applyLinkLine(last, line);
  }
  if (links.length > 0) return facts({ links });
  const error = firstIpError(text);
  if (error) return facts({ links: [], error: { message: error } });
  return notThisKind("No `N: name: <FLAGS>` interface line and no ip error.");
}

export const ipLinkKind = defineKind({
  kind: "ip.link",
  source: "ip -j link show",
  schema: ipLinkFactsSchema,
  parse: parseIpLink,
});
