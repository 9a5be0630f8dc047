import { z } from "zod";
import { udhcpcKind } from "../parse/udhcpc.ts";
import type { Disk } from "../storage/disk.ts";
import { DurableFile } from "../storage/durable-file.ts";
import type { StorageHealth } from "../storage/storage-health.ts";

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

/**
 * The last DHCP lease of each link, kept in dataDir: route.replace and dns.repair read it. On a
 * disk that refuses writes a lease is kept in memory and written when the disk is back.
 */
export class LeaseStore {
  private readonly leases = new Map<string, Lease>();
  private readonly file: DurableFile | null;

  constructor(path: string | null, deps: { disk?: Disk; storage?: StorageHealth } = {}) {
    this.file = path
      ? new DurableFile(path, { render: () => JSON.stringify([...this.leases.values()], null, 2), absorb: (text) => this.absorb(text) }, {
          ...(deps.disk ? { disk: deps.disk } : {}),
          ...(deps.storage ? { health: deps.storage } : {}),
        })
      : null;
    if (this.file) for (const l of parseLeases(this.file.read())) this.leases.set(l.iface, l);
  }

  get(iface: string): Lease | undefined {
    return this.leases.get(iface);
  }

  record(lease: Lease): void {
    this.leases.set(lease.iface, lease);
    this.file?.rewrite();
  }

  /** The file was unreadable at start: its leases of links that got none since. */
  private absorb(text: string) {
    for (const l of parseLeases(text)) if (!this.leases.has(l.iface)) this.leases.set(l.iface, l);
  }
}

/** The leases a file holds; none when it is empty or not ours. */
function parseLeases(text: string): Lease[] {
  try {
    const parsed = z.array(leaseSchema).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return []; // none recorded yet
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
