/**
 * How a mutating command changes a captured Pi, as pure functions over the captured texts: the
 * simulated host applies them so that a command's effect shows in the next diagnosis. Each one
 * changes only what the command changes on a real Pi, and leaves a text it does not understand
 * alone (a snapshot without a modem stays without one, whatever qmi-network is asked).
 */
type Json = Record<string, unknown>;

function parseArray(text: string | undefined): Json[] | null {
  if (text === undefined) return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? (value as Json[]) : null;
  } catch {
    return null;
  }
}

/** `ip link set IF up|down` on `ip -j link show` output. */
export function setLinkUp(ipLink: string | undefined, iface: string, up: boolean): string | undefined {
  const links = parseArray(ipLink);
  if (!links) return ipLink;
  for (const link of links) {
    if (link.ifname !== iface || !Array.isArray(link.flags)) continue;
    const flags = (link.flags as string[]).filter((f) => f !== "UP" && f !== "LOWER_UP");
    // A down interface reports no carrier state at all; up, it has one unless the capture said
    // NO-CARRIER (qmi_wwan and brcmfmac turn the carrier on as soon as the device is up).
    if (up) flags.push("UP", ...(flags.includes("NO-CARRIER") ? [] : ["LOWER_UP"]));
    link.flags = flags;
    if (!up) link.operstate = "DOWN";
    else if (link.operstate === "DOWN") link.operstate = flags.includes("NO-CARRIER") ? "DOWN" : "UNKNOWN";
  }
  return JSON.stringify(links);
}

/** `qmi-network DEV start|stop` on `--wds-get-packet-service-status` output. */
export function setPacketStatus(text: string | undefined, connected: boolean): string | undefined {
  if (text === undefined) return text;
  const from = connected ? "'disconnected'" : "'connected'";
  const to = connected ? "'connected'" : "'disconnected'";
  return text.replace(from, to);
}

/** udhcpc binding an address: `ip -j addr show` gains it when it lacks it. */
export function addAddress(ipAddr: string | undefined, iface: string, ip: string, prefixLen: number): string | undefined {
  const links = parseArray(ipAddr);
  if (!links) return ipAddr;
  for (const link of links) {
    if (link.ifname !== iface) continue;
    const info = Array.isArray(link.addr_info) ? (link.addr_info as Json[]) : [];
    if (!info.some((a) => a.family === "inet" && a.local === ip)) {
      info.unshift({ family: "inet", local: ip, prefixlen: prefixLen, scope: "global", label: iface });
    }
    link.addr_info = info;
  }
  return JSON.stringify(links);
}

export function addressOf(ipAddr: string | undefined, iface: string): { ip: string; prefixLen: number } | null {
  for (const link of parseArray(ipAddr) ?? []) {
    if (link.ifname !== iface || !Array.isArray(link.addr_info)) continue;
    const inet = (link.addr_info as Json[]).find((a) => a.family === "inet");
    if (inet && typeof inet.local === "string") return { ip: inet.local, prefixLen: Number(inet.prefixlen ?? 32) };
  }
  return null;
}

/**
 * `ip route replace default via GW dev IF metric M`. As in the kernel, a route's key is its
 * destination and metric, not its device: replace swaps the default route of that metric,
 * whichever link it went through, and leaves the defaults of other metrics alone.
 */
export function replaceDefault(ipRoute: string | undefined, iface: string, gateway: string | undefined, metric: number | undefined): string {
  const routes = (parseArray(ipRoute) ?? []).filter((r) => !(r.dst === "default" && Number(r.metric ?? 0) === (metric ?? 0)));
  const route: Json = { dst: "default", ...(gateway ? { gateway } : {}), dev: iface, ...(metric !== undefined ? { metric } : {}), flags: [] };
  return JSON.stringify([route, ...routes]);
}

/** `ip route del default dev IF [metric M]`. */
export function deleteDefault(ipRoute: string | undefined, iface: string, metric: number | undefined): string | undefined {
  const routes = parseArray(ipRoute);
  if (!routes) return ipRoute;
  return JSON.stringify(routes.filter((r) => !(r.dst === "default" && r.dev === iface && (metric === undefined || (r.metric ?? 0) === metric))));
}

/** What `ip -j route get TARGET` answers for a routing table: the default route of lowest metric. */
export function routeGet(ipRoute: string | undefined, ipAddr: string | undefined, target: string): string {
  const defaults = (parseArray(ipRoute) ?? [])
    .filter((r) => r.dst === "default")
    .sort((a, b) => Number(a.metric ?? 0) - Number(b.metric ?? 0));
  const best = defaults[0];
  if (!best) return "RTNETLINK answers: Network is unreachable\n";
  const src = addressOf(ipAddr, String(best.dev));
  return JSON.stringify([
    { dst: target, ...(best.gateway ? { gateway: best.gateway } : {}), dev: best.dev, ...(src ? { prefsrc: src.ip } : {}), flags: [], uid: 0, cache: [] },
  ]);
}

/** `chattr +i|-i` on `lsattr FILE` output: the fifth column is the immutable flag. */
export function setImmutable(lsattr: string | undefined, immutable: boolean): string | undefined {
  if (lsattr === undefined) return lsattr;
  return lsattr.replace(/^([-a-zA-Z]{4})[-i]([-a-zA-Z]+ )/m, (_, a: string, b: string) => `${a}${immutable ? "i" : "-"}${b}`);
}

/** `ip link set IF down`: the kernel drops every route through the link with it. */
export function removeRoutesOf(ipRoute: string | undefined, iface: string): string | undefined {
  const routes = parseArray(ipRoute);
  if (!routes) return ipRoute;
  return JSON.stringify(routes.filter((r) => r.dev !== iface));
}

/** What a DHCP server hands a link: an address, its prefix, and the router. */
export interface SimulatedLease {
  ip: string;
  prefixLen: number;
  router: string;
}

/**
 * udhcpc's default.script binding a lease (BusyBox examples/udhcp/simple.script): the address on
 * the link, the kernel's route to its subnet, and a default route through the router at the
 * link's metric, replacing any default the link had.
 */
export function addLeaseRoutes(ipRoute: string | undefined, iface: string, lease: SimulatedLease, metric: number): string {
  const routes = (parseArray(ipRoute) ?? []).filter((r) => !(r.dev === iface && (r.dst === "default" || r.protocol === "kernel")));
  const subnet = `${networkOf(lease.ip, lease.prefixLen)}/${lease.prefixLen}`;
  return JSON.stringify([
    ...routes.filter((r) => r.dst === "default"),
    { dst: "default", gateway: lease.router, dev: iface, metric, flags: [] },
    ...routes.filter((r) => r.dst !== "default"),
    { dst: subnet, dev: iface, protocol: "kernel", scope: "link", prefsrc: lease.ip, flags: [] },
  ]);
}

function toInt(ip: string): number {
  return ip.split(".").reduce((n, octet) => n * 256 + (Number(octet) & 255), 0);
}

function fromInt(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export function networkOf(ip: string, prefixLen: number): string {
  const size = 2 ** (32 - Math.max(0, Math.min(32, prefixLen)));
  return fromInt(Math.floor(toInt(ip) / size) * size);
}

/** A router for an address whose lease named none: the first other host of its subnet. */
export function routerOf(ip: string, prefixLen: number): string {
  const first = toInt(networkOf(ip, prefixLen)) + 1;
  return fromInt(first === toInt(ip) ? first + 1 : first);
}

export function prefixOfNetmask(netmask: string): number {
  return netmask.split(".").reduce((n, octet) => n + (Number(octet) >>> 0).toString(2).replace(/0/g, "").length, 0);
}

/** The default routes' devices, lowest metric first. */
export function defaultDevices(ipRoute: string | undefined): string[] {
  return (parseArray(ipRoute) ?? [])
    .filter((r) => r.dst === "default")
    .sort((a, b) => Number(a.metric ?? 0) - Number(b.metric ?? 0))
    .map((r) => String(r.dev));
}

/** The flags of a link in `ip -j link`/`ip -j addr` output, or null when it is not there. */
export function linkFlags(ipLink: string | undefined, iface: string): string[] | null {
  const link = (parseArray(ipLink) ?? []).find((l) => l.ifname === iface);
  return link && Array.isArray(link.flags) ? (link.flags as string[]) : null;
}

/**
 * iputils ping's output (the format of test/fixtures/ping/iputils-20221126-*): every probe
 * answered, or none; bound to a link (`-I IF`, `from SRC IF:`) or following the routing table.
 */
export function pingText(target: string, answered: boolean, bound?: { iface: string; src: string }): string {
  const head = `PING ${target} (${target}) ${bound ? `from ${bound.src} ${bound.iface}: ` : ""}56(84) bytes of data.`;
  if (!answered) {
    return `${head}\n\n--- ${target} ping statistics ---\n2 packets transmitted, 0 received, 100% packet loss, time 1019ms\n\n`;
  }
  return [
    head,
    `64 bytes from ${target}: icmp_seq=1 ttl=63 time=0.045 ms`,
    `64 bytes from ${target}: icmp_seq=2 ttl=63 time=0.071 ms`,
    "",
    `--- ${target} ping statistics ---`,
    "2 packets transmitted, 2 received, 0% packet loss, time 1005ms",
    "rtt min/avg/max/mdev = 0.045/0.058/0.071/0.013 ms",
    "",
  ].join("\n");
}

/** iputils ping bound to a link without an address or a route (test/fixtures/ping/iputils-20221126-network-unreachable.txt). */
export const PING_UNREACHABLE = "ping: connect: Network is unreachable\n";
