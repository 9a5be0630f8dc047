import type { LayerHealth } from "@uplink/shared";
import type { Facts } from "../diagnose/facts.ts";
import { ev } from "./evidence.ts";
import { degraded, failing, fix, ok, unknown } from "./layer.ts";

/** Layer 6: resolv.conf names servers, and they answer. */
export function assessDns(f: Facts, resolvConfPath: string, internetReachable: boolean | null): LayerHealth {
  const conf = f.resolvConf;
  if (!conf) return unknown("dns", `${resolvConfPath} was not captured`);
  const immutable = f.lsattr?.files.find((file) => file.path === resolvConfPath)?.immutable === true;
  const evidence = [
    ev("resolv.conf", conf.nameservers.length ? `nameserver ${conf.nameservers.join(", ")}` : "no nameserver lines"),
  ];
  if (conf.managedBy) evidence.push(ev("resolv.conf", `managed by ${conf.managedBy}`));
  if (f.lsattr) evidence.push(ev("lsattr", immutable ? `${resolvConfPath} is immutable (+i)` : `${resolvConfPath} is writable`));

  if (conf.nameservers.length === 0) {
    // An empty, immutable resolv.conf is the field guide's chattr +i gone wrong: nothing can fix it but us.
    return immutable
      ? failing("dns", "resolv-conf-immutable-empty", `${resolvConfPath} is empty and immutable`, evidence, fix("dns.repair"))
      : failing("dns", "resolv-conf-empty", `${resolvConfPath} names no nameserver`, evidence, fix("dns.repair"));
  }
  const probe = f.dnsProbe;
  if (!probe || probe.results.length === 0) return ok("dns", `nameservers ${conf.nameservers.join(", ")}`, evidence);
  const failed = probe.results.filter((r) => r.error || !r.addresses?.length);
  for (const r of probe.results) {
    evidence.push(ev("dns.probe", r.error ? `${r.server}: ${r.error}` : `${r.server} resolved ${probe.name}`));
  }
  if (failed.length === 0) return ok("dns", `${probe.name} resolves through ${conf.nameservers.join(", ")}`, evidence);
  // With nothing reachable at all, a DNS failure is a symptom of a lower layer, not a cause.
  if (internetReachable === false) return unknown("dns", "cannot judge DNS while the internet is unreachable", evidence);
  if (failed.length === probe.results.length) {
    return failing("dns", "dns-unresolvable", `${probe.name} does not resolve through any nameserver`, evidence, fix("dns.repair"));
  }
  return degraded("dns", "dns-server-failing", `${failed.map((r) => r.server).join(", ")} do not answer`, evidence, fix("dns.repair"));
}
