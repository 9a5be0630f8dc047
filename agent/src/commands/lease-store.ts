import { readFileSync, writeFileSync, renameSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";

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
 * The lease in busybox udhcpc's output: its own `lease of IP obtained from SERVER, lease time N`
 * line, and the default script's `bound interface=... router=... dns=...` line when the script
 * echoes it. Pure; null when no lease was obtained.
 */
export function leaseFromUdhcpc(text: string, iface: string, now: Date): Lease | null {
  const obtained = /lease of (\d+\.\d+\.\d+\.\d+) obtained(?: from (\d+\.\d+\.\d+\.\d+))?(?:, lease time (\d+))?/.exec(text);
  const bound = /bound interface=(\S+) ip=(\S+) subnet=(\S*) router=(\S*) dns=(.*?) lease=(\d*)/.exec(text);
  if (!obtained && !bound) return null;
  const mask = bound?.[3];
  return {
    iface,
    ip: obtained?.[1] ?? bound![2]!,
    ...(mask ? { prefixLen: mask.split(".").reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0/g, "").length, 0) } : {}),
    ...(bound?.[4] ? { router: bound[4] } : {}),
    dns: bound?.[5] ? bound[5].trim().split(/\s+/).filter(Boolean) : [],
    ...(obtained?.[3] ? { leaseTimeS: Number(obtained[3]) } : {}),
    ...(obtained?.[2] ? { server: obtained[2] } : {}),
    obtainedAt: now.toISOString(),
  };
}
