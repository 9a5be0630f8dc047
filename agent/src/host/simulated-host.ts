import type { Capture } from "../diagnose/commands.ts";
import type { DnsAnswer, Host, RunOptions, RunResult } from "./host.ts";
import {
  addAddress,
  addressOf,
  deleteDefault,
  replaceDefault,
  routeGet,
  setImmutable,
  setLinkUp,
  setPacketStatus,
} from "./simulated-state.ts";

export interface SimulatedAction {
  file: string;
  args: readonly string[];
}

const FAILED = /^error:|100% packet loss|Network is unreachable|No such device|unknown host|bad address|Cannot find device/im;

/**
 * `--simulate <dir>`: serves a snapshot directory's captures as the outputs of the read-only
 * commands, and applies the mutating ones to that state, so that the real agent runs on a
 * captured Pi. It simulates no internet: a probe's answer stays what was captured.
 */
export class SimulatedHost implements Host {
  readonly actions: SimulatedAction[] = [];
  private readonly state: Map<string, string>;
  private readonly files = new Map<string, string>();

  constructor(
    snapshot: ReadonlyMap<string, string>,
    private readonly captures: readonly Capture[],
  ) {
    this.state = new Map(snapshot);
    for (const c of captures) {
      if ("file" in c && snapshot.has(c.key)) this.files.set(c.file, snapshot.get(c.key)!);
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
      if (iface) this.state.set("ip.link", setLinkUp(this.state.get("ip.link"), iface, up) ?? "");
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
      this.refreshRouteGet();
      return ok();
    }
    if (file === "ip" && args.includes("-j") && args.includes("route") && args.includes("show")) {
      const routes = JSON.parse(this.state.get("ip.route") || "[]") as { dst?: string }[];
      return ok(JSON.stringify(args.includes("default") ? routes.filter((r) => r.dst === "default") : routes));
    }
    if (file === "qmi-network" && (args[1] === "start" || args[1] === "stop")) {
      const key = "qmicli.wds-get-packet-service-status";
      const next = setPacketStatus(this.state.get(key), args[1] === "start");
      if (next !== undefined) this.state.set(key, next);
      // qmi-network's own closing line (libqmi utils/qmi-network.in), so that `qmi-network DEV
      // status` and the diagnosis read the session as the command left it.
      const said = args[1] === "start" ? "Network started successfully" : "Network stopped successfully";
      if (this.state.has("qmi-network")) this.state.set("qmi-network", `${said}\n`);
      return ok(`simulated: qmi-network ${args[1]}\n${said}\n`);
    }
    if (file === "udhcpc") return this.dhcp(arg("-i"));
    if (file === "chattr") {
      const next = setImmutable(this.state.get("lsattr"), args[0] === "+i");
      if (next !== undefined) this.state.set("lsattr", next);
      return ok();
    }
    return ok(`simulated: ${file} ${args.join(" ")}\n`);
  }

  /** A lease only where the capture had one: a `udhcpc@IF` capture, or the address the link holds. */
  private dhcp(iface: string | undefined): RunResult {
    if (!iface) return { exitCode: 1, stdout: "", stderr: "udhcpc: no interface\n" };
    const captured = this.state.get(`udhcpc@${iface}`);
    if (captured !== undefined) {
      const bound = /bound interface=\S+ ip=(\S+) subnet=(\S+)/.exec(captured);
      if (bound) this.state.set("ip.addr", addAddress(this.state.get("ip.addr"), iface, bound[1]!, prefixOf(bound[2]!)) ?? "");
      return { exitCode: /no lease, failing/.test(captured) ? 1 : 0, stdout: "", stderr: captured };
    }
    const held = addressOf(this.state.get("ip.addr"), iface);
    if (!held) return { exitCode: 1, stdout: "", stderr: "simulated: udhcpc: no lease, failing\n" };
    // BusyBox 1.35's own line, so that the agent reads it as it reads a real one; the capture has no
    // lease time, and 3600 s is what udhcpc assumes when a server names none.
    return { exitCode: 0, stdout: "", stderr: `udhcpc: lease of ${held.ip} obtained, lease time 3600 (default)\n` };
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

function prefixOf(netmask: string): number {
  return netmask.split(".").reduce((n, octet) => n + (Number(octet) >>> 0).toString(2).replace(/0/g, "").length, 0);
}
