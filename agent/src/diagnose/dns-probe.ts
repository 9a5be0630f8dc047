import { z } from "zod";

/** What collect records of the DNS probe: one answer per nameserver of resolv.conf. */
export const dnsProbeSchema = z.object({
  name: z.string(),
  results: z.array(
    z.object({ server: z.string(), addresses: z.array(z.string()).optional(), error: z.string().optional() }),
  ),
});
export type DnsProbe = z.infer<typeof dnsProbeSchema>;
