import type { Capture } from "../diagnose/commands.ts";
import { readFacts, type Facts } from "../diagnose/facts.ts";
import type { DnsAnswer, Host, RunOptions, RunResult } from "./host.ts";
import {
  addAddress,
  addLeaseRoutes,
  addressOf,
  defaultDevices,
  deleteDefault,
  linkFlags,
  PING_UNREACHABLE,
  pingText,
  prefixOfNetmask,
  removeRoutesOf,
  replaceDefault,
  routeGet,
  routerOf,
  setImmutable,
  setLinkUp,
  setPacketStatus,
  type SimulatedLease,
} from "./simulated-state.ts";

/** Which link is which, and the metric each one's DHCP default route gets (the agent's config). */
export interface SimulatedPiOptions {
  links?: { wifi: string; cellular: string };
  metrics?: { wifi: number; cellular: number };
}

/**
 * The lease the simulated carrier hands the modem's link when nothing captured names one: the
 * testbed carrier's (test/fixtures/snapshots/healthy, udhcpc/busybox-1.35-script-lease-wwan0.txt).
 */
export const CARRIER_LEASE: SimulatedLease = { ip: "100.67.169.178", prefixLen: 30, router: "100.67.169.177" };

export interface SimulatedAction {
  file: string;
  args: readonly string[];
}

const FAILED = /^error:|100% packet loss|Network is unreachable|No such device|unknown host|bad address|Cannot find device/im;

/**
 * `--simulate <dir>`: serves a snapshot directory's captures as the outputs of the read-only
 * commands, and applies the mutating ones to that state, so that the real agent runs on a
 * captured Pi. The state is causal, as on a Pi: a packet session that starts lets the carrier's
 * DHCP answer; a lease brings an address, a subnet route and a default route; taking a link down
 * drops its routes; a probe through a link is answered when the link is up, holds an address, has
 * a default route (and, for the modem's link, a session), unless the capture showed the network
 * beyond the link failing while all of that held (a Wi-Fi without upstream, a phantom bearer).
 */
export class SimulatedHost implements Host {
  readonly actions: SimulatedAction[] = [];
  private readonly state: Map<string, string>;
  private readonly files = new Map<string, string>();
  private readonly links: { wifi: string; cellular: string };
  private readonly metrics: { wifi: number; cellular: number };
  /** Whether the network beyond each link answers once the link is complete. */
  private readonly upstream = new Map<string, boolean>();

  constructor(
    snapshot: ReadonlyMap<string, string>,
    private readonly captures: readonly Capture[],
    options: SimulatedPiOptions = {},
  ) {
    this.state = new Map(snapshot);
    for (const c of captures) {
      if ("file" in c && snapshot.has(c.key)) this.files.set(c.file, snapshot.get(c.key)!);
    }
    const bound = captures.flatMap((c) => (c.key.startsWith("ping@") ? [c.key.slice(5)] : []));
    this.links = options.links ?? { wifi: bound[0] ?? "wlan0", cellular: bound[1] ?? "wwan0" };
    this.metrics = options.metrics ?? { wifi: 100, cellular: 700 };
    const facts = readFacts(this.state);
    for (const iface of [this.links.wifi, this.links.cellular]) {
      const probe = facts.ping[iface];
      // A probe that failed through a complete link is the network's fault and stays so; one that
      // failed because the link lacked something says nothing about what lies beyond it.
      this.upstream.set(iface, !probe || probe.received > 0 || !this.complete(facts, iface));
    }
  }

  /** The current text of a snapshot key, as the next diagnosis will read it. */
  get(key: string): string | undefined {
    return this.state.get(key);
  }

  async run(file: string, args: readonly string[], _options?: RunOptions): Promise<RunResult> {
    const capture = this.captures.find(
      (c) => "program" in c && c.program === file && c.args.length === args.length && c.args.every((a, i) => a === args[i]),
    );
    if (capture) {
      const text = this.state.get(capture.key);
      if (text === undefined) return { exitCode: 127, stdout: "", stderr: "", missing: true };
      return { exitCode: FAILED.test(text) ? 1 : 0, stdout: text, stderr: "" };
    }
    this.actions.push({ file, args: [...args] });
    return this.mutate(file, args);
  }

  private mutate(file: string, args: readonly string[]): RunResult {
    const ok = (stdout = ""): RunResult => ({ exitCode: 0, stdout, stderr: "" });
    const arg = (flag: string) => {
      const i = args.indexOf(flag);
      return i >= 0 ? args[i + 1] : undefined;
    };
    if (file === "ip" && args[0] === "link" && args[1] === "set") {
      const iface = args[2] === "dev" ? args[3] : args[2];
      const up = args.includes("up");
      if (iface) {
        // `ip -j addr` carries the same flags and operstate as `ip -j link`.
        for (const key of ["ip.link", "ip.addr"]) {
          if (this.state.has(key)) this.state.set(key, setLinkUp(this.state.get(key), iface, up) ?? "");
        }
        if (!up && this.state.has("ip.route")) this.state.set("ip.route", removeRoutesOf(this.state.get("ip.route"), iface) ?? "");
        this.settle();
      }
      return ok();
    }
    if (file === "ip" && args[0] === "route" && (args[1] === "replace" || args[1] === "del")) {
      const iface = arg("dev");
      const metricText = arg("metric");
      const metric = metricText === undefined ? undefined : Number(metricText);
      if (!iface) return { exitCode: 2, stdout: "", stderr: "simulated: no dev\n" };
      const routes = this.state.get("ip.route");
      const next = args[1] === "replace" ? replaceDefault(routes, iface, arg("via"), metric) : deleteDefault(routes, iface, metric);
      if (next !== undefined) this.state.set("ip.route", next);
      this.settle();
      return ok();
    }
    if (file === "ip" && args.includes("-j") && args.includes("route") && args.includes("show")) {
      const routes = JSON.parse(this.state.get("ip.route") || "[]") as { dst?: string }[];
      return ok(JSON.stringify(args.includes("default") ? routes.filter((r) => r.dst === "default") : routes));
    }
    const action = args.find((a) => a === "start" || a === "stop");
    if (file === "qmi-network" && action) {
      const start = action === "start";
      const refusal = start ? this.sessionRefusal() : null;
      // qmi-network's own failure line (libqmi utils/qmi-network.in) after qmicli's reason.
      if (refusal) return { exitCode: 1, stdout: "", stderr: `${refusal}\nerror: network start failed, no packet data handle\n` };
      const key = "qmicli.wds-get-packet-service-status";
      const next = setPacketStatus(this.state.get(key), start);
      if (next !== undefined) this.state.set(key, next);
      // qmi-network's own closing line (libqmi utils/qmi-network.in), so that `qmi-network DEV
      // status` and the diagnosis read the session as the command left it.
      const said = start ? "Network started successfully" : "Network stopped successfully";
      if (this.state.has("qmi-network")) this.state.set("qmi-network", `${said}\n`);
      this.settle();
      return ok(`simulated: qmi-network ${action}\n${said}\n`);
    }
    if (file === "udhcpc") return this.dhcp(arg("-i"));
    if (file === "chattr") {
      const next = setImmutable(this.state.get("lsattr"), args[0] === "+i");
      if (next !== undefined) this.state.set("lsattr", next);
      return ok();
    }
    return ok(`simulated: ${file} ${args.join(" ")}\n`);
  }

  /**
   * udhcpc on a link: a lease when the link is up and something answers DHCP: what a `udhcpc@IF`
   * capture got; for the modem's link, the carrier while the session is up (the modem's
   * current settings, the address the link holds, or the testbed carrier's lease); for another
   * link, the address it holds. The lease binds as udhcpc's default.script does.
   */
  private dhcp(iface: string | undefined): RunResult {
    if (!iface) return { exitCode: 1, stdout: "", stderr: "udhcpc: no interface\n" };
    const noLease = (): RunResult => ({ exitCode: 1, stdout: "", stderr: "udhcpc: started, v1.35.0\nudhcpc: broadcasting discover\nudhcpc: no lease, failing\n" });
    const captured = this.state.get(`udhcpc@${iface}`);
    if (captured !== undefined) {
      const bound = /bound interface=\S+ ip=(\S+) subnet=(\S+)(?: router=(\S+))?/.exec(captured);
      if (bound) this.bind(iface, { ip: bound[1]!, prefixLen: prefixOfNetmask(bound[2]!), router: bound[3] ?? routerOf(bound[1]!, prefixOfNetmask(bound[2]!)) });
      return { exitCode: /no lease, failing/.test(captured) ? 1 : 0, stdout: "", stderr: captured };
    }
    const flags = linkFlags(this.state.get("ip.link") ?? this.state.get("ip.addr"), iface);
    if (flags && !flags.includes("UP")) return noLease();
    const lease = this.leaseFor(iface);
    if (!lease) return noLease();
    this.bind(iface, lease);
    // BusyBox 1.35's own lines (test/fixtures/udhcpc/busybox-1.35-script-lease-wwan0.txt); 3600 s
    // is what udhcpc assumes when a server names no lease time.
    return {
      exitCode: 0,
      stdout: "",
      stderr: `udhcpc: started, v1.35.0\nudhcpc: broadcasting discover\nudhcpc: broadcasting select for ${lease.ip}, server ${lease.router}\nudhcpc: lease of ${lease.ip} obtained from ${lease.router}, lease time 3600 (default)\n`,
    };
  }

  private leaseFor(iface: string): SimulatedLease | null {
    const held = addressOf(this.state.get("ip.addr"), iface);
    if (iface !== this.links.cellular) return held ? { ...held, router: this.routerFromRoutes(iface) ?? routerOf(held.ip, held.prefixLen) } : null;
    if (this.sessionStatus() === "down") return null;
    const settings = readFacts(new Map([["qmicli.wds-get-current-settings", this.state.get("qmicli.wds-get-current-settings") ?? ""]])).settings;
    if (settings?.ipv4Address) {
      const prefixLen = settings.ipv4SubnetMask ? prefixOfNetmask(settings.ipv4SubnetMask) : 30;
      return { ip: settings.ipv4Address, prefixLen, router: settings.ipv4Gateway ?? routerOf(settings.ipv4Address, prefixLen) };
    }
    if (held) return { ...held, router: held.ip === CARRIER_LEASE.ip ? CARRIER_LEASE.router : routerOf(held.ip, held.prefixLen) };
    return CARRIER_LEASE;
  }

  private routerFromRoutes(iface: string): string | undefined {
    try {
      const routes = JSON.parse(this.state.get("ip.route") ?? "[]") as { dst?: string; dev?: string; gateway?: string }[];
      return routes.find((r) => r.dst === "default" && r.dev === iface && r.gateway)?.gateway;
    } catch {
      return undefined;
    }
  }

  private bind(iface: string, lease: SimulatedLease) {
    if (this.state.has("ip.addr")) this.state.set("ip.addr", addAddress(this.state.get("ip.addr"), iface, lease.ip, lease.prefixLen) ?? "");
    const metric = iface === this.links.wifi ? this.metrics.wifi : this.metrics.cellular;
    if (this.state.has("ip.route")) this.state.set("ip.route", addLeaseRoutes(this.state.get("ip.route"), iface, lease, metric));
    this.settle();
  }

  /** The modem's session as the captures say: up, down, or unknown (no modem capture). */
  private sessionStatus(facts: Facts = readFacts(this.modemState())): "up" | "down" | "unknown" {
    const status = facts.packet?.connectionStatus ?? facts.qmiNetwork?.status;
    if (status === undefined) return facts.errors.packet || facts.qmiNetwork?.error ? "down" : "unknown";
    return status === "connected" ? "up" : "down";
  }

  private modemState(): Map<string, string> {
    return new Map([...this.state].filter(([k]) => k.startsWith("qmicli.") || k === "qmi-network"));
  }

  /** Why the modem would refuse to start a session (its error, as qmicli prints it), or null. */
  private sessionRefusal(): string | null {
    const f = readFacts(this.modemState());
    const unreachable = f.errors.packet ?? f.errors.serving ?? f.errors.card;
    if (unreachable && unreachable.qmiCode === undefined) return `error: ${unreachable.message}`;
    if (f.card && (f.card.cardState !== "present" || f.card.pin1State === "enabled-not-verified" || f.card.pin1State === "blocked")) {
      return "error: couldn't start network: QMI protocol error (14): 'CallFailed'";
    }
    if (f.serving && f.serving.registrationState !== "registered") {
      return "error: couldn't start network: QMI protocol error (14): 'CallFailed'";
    }
    return null;
  }

  /** A link that could carry a probe: up with carrier, an IPv4 address, a default route, a session. */
  private complete(f: Facts, iface: string): boolean {
    const link = f.ipLink?.links.find((l) => l.ifname === iface) ?? f.ipAddr?.interfaces.find((i) => i.ifname === iface);
    if (!link?.up || !link.lowerUp) return false;
    if (!f.ipAddr?.interfaces.find((i) => i.ifname === iface)?.addresses.some((a) => a.family === "inet")) return false;
    if (f.ipRoute && !f.ipRoute.routes.some((r) => r.dst === "default" && r.dev === iface)) return false;
    return iface !== this.links.cellular || this.sessionStatus(f) !== "down";
  }

  /** After a change: `ip route get` and every probe follow the new state. */
  private settle() {
    this.refreshRouteGet();
    const f = readFacts(this.state);
    const target = this.probeTarget();
    for (const iface of [this.links.wifi, this.links.cellular]) {
      const key = `ping@${iface}`;
      if (!this.state.has(key)) continue;
      const answered = this.complete(f, iface) && this.upstream.get(iface) !== false;
      if ((f.ping[iface]?.received ?? 0) > 0 === answered) continue;
      const src = addressOf(this.state.get("ip.addr"), iface);
      const routed = f.ipRoute?.routes.some((r) => r.dst === "default" && r.dev === iface) !== false;
      this.state.set(key, src && routed ? pingText(target, answered, { iface, src: src.ip }) : PING_UNREACHABLE);
    }
    if (this.state.has("ping")) {
      const via = defaultDevices(this.state.get("ip.route"))[0];
      const answered = via !== undefined && this.complete(f, via) && this.upstream.get(via) !== false;
      if ((f.ping[""]?.received ?? 0) > 0 !== answered) this.state.set("ping", via === undefined ? PING_UNREACHABLE : pingText(target, answered));
    }
  }

  private probeTarget(): string {
    const capture = this.captures.find((c) => c.key === "ping");
    return capture && "program" in capture ? (capture.args[capture.args.length - 1] ?? "8.8.8.8") : "8.8.8.8";
  }

  private refreshRouteGet() {
    const capture = this.captures.find((c) => c.key === "ip.route-get");
    const target = capture && "program" in capture ? capture.args[capture.args.length - 1] : "8.8.8.8";
    this.state.set("ip.route-get", routeGet(this.state.get("ip.route"), this.state.get("ip.addr"), target ?? "8.8.8.8"));
  }

  async readFile(path: string): Promise<string | null> {
    if (this.files.has(path)) return this.files.get(path)!;
    const capture = this.captures.find((c) => "file" in c && c.file === path);
    return capture ? (this.state.get(capture.key) ?? null) : null;
  }

  async readLink(_path: string): Promise<string | null> {
    return null;
  }

  async writeFileAtomic(path: string, content: string): Promise<void> {
    this.actions.push({ file: "(write)", args: [path] });
    this.files.set(path, content);
    const capture = this.captures.find((c) => "file" in c && c.file === path);
    if (capture) this.state.set(capture.key, content);
  }

  async writeDevice(path: string, content: string): Promise<void> {
    this.actions.push({ file: "(write)", args: [path, content] });
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path) || /^\/dev\/(cdc-wdm|ttyUSB)/.test(path);
  }

  async resolveDns(name: string, server: string): Promise<DnsAnswer> {
    const probe = this.state.get("dns.probe");
    if (!probe) return { error: "ESERVFAIL" };
    try {
      const parsed = JSON.parse(probe) as { results?: ({ server: string } & DnsAnswer)[] };
      const hit = parsed.results?.find((r) => r.server === server);
      if (hit) return "addresses" in hit ? { addresses: hit.addresses } : { error: hit.error };
    } catch {
      // a hand-edited probe file: answer as a server that does not respond
    }
    return { error: `ETIMEOUT (${name} via ${server} not captured)` };
  }
}
