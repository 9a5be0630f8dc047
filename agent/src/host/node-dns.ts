import { Resolver } from "node:dns/promises";
import type { DnsAnswer } from "./host.ts";

/** The real DNS probe: one query to one server, no fallback to others, bounded in time. */
export async function resolveThrough(name: string, server: string, timeoutMs: number): Promise<DnsAnswer> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  resolver.setServers([server]);
  try {
    return { addresses: await resolver.resolve4(name) };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  }
}
