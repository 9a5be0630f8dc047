import { readFileSync, writeFileSync, renameSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { udhcpcKind } from "../parse/udhcpc.ts";

export const leaseSchema = z.object({
  iface: z.string(),
  ip: z.string(),
  prefixLen: z.number().int().optional(),
  router: z.string().optional(),
  dns: z.array(z.string()),
  leaseTimeS: z.number().optional(),
  server: z.string().optional(),
  obtainedAt: z.string(),
});
export type Lease = z.infer<typeof leaseSchema>;

/** The last DHCP lease of each link, kept in dataDir: route.replace and dns.repair read it. */
export class LeaseStore {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly path: string | null) {
    if (!path) return;
    try {
      const parsed = z.array(leaseSchema).safeParse(JSON.parse(readFileSync(path, "utf8")));
      if (parsed.success) for (const l of parsed.data) this.leases.set(l.iface, l);
    } catch {
      // none recorded yet
    }
  }

  get(iface: string): Lease | undefined {
    return this.leases.get(iface);
  }

  record(lease: Lease): void {
    this.leases.set(lease.iface, lease);
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(`${this.path}.tmp`, JSON.stringify([...this.leases.values()], null, 2));
    renameSync(`${this.path}.tmp`, this.path);
  }
}

/**
 * The lease in busybox udhcpc's output: its own `lease of IP obtained ...` line, read by the
 * udhcpc parser, and the router, subnet and DNS servers from a hook script's
 * `bound interface=... router=... dns=...` echo when one prints it. Pure; null when no lease was
 * obtained.
 */
export function leaseFromUdhcpc(text: string, iface: string, now: Date): Lease | null {
  const parsed = udhcpcKind.parse(text);
  const obtained = parsed.ok && parsed.facts.leaseObtained ? parsed.facts : null;
  const bound = /bound interface=(\S+) ip=(\S+) subnet=(\S*) router=(\S*) dns=(.*?) lease=(\d*)/.exec(text);
  const ip = obtained?.address ?? bound?.[2];
  if (!ip) return null;
  const mask = bound?.[3];
  return {
    iface,
    ip,
    ...(mask ? { prefixLen: mask.split(".").reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0/g, "").length, 0) } : {}),
    ...(bound?.[4] ? { router: bound[4] } : {}),
    dns: bound?.[5] ? bound[5].trim().split(/\s+/).filter(Boolean) : [],
    ...(obtained?.leaseTimeS !== undefined ? { leaseTimeS: obtained.leaseTimeS } : {}),
    ...(obtained?.server ? { server: obtained.server } : {}),
    obtainedAt: now.toISOString(),
  };
}
