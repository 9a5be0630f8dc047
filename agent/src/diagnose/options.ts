import { z } from "zod";

const ifname = z.string().regex(/^[a-zA-Z0-9_.-]{1,15}$/, "an interface name");

/** What the diagnosis needs to know about this Pi; the agent's config maps onto it. */
export const diagnoseOptionsSchema = z.object({
  links: z
    .object({ wifi: ifname.default("wlan0"), cellular: ifname.default("wwan0") })
    .default({ wifi: "wlan0", cellular: "wwan0" }),
  qmiDevice: z.string().regex(/^\/dev\/cdc-wdm[0-9]{1,2}$/).default("/dev/cdc-wdm0"),
  resolvConfPath: z.string().default("/etc/resolv.conf"),
  probe: z
    .object({
      /** Pinged through each link, and the address `ip route get` is asked about (the field guide's 8.8.8.8). */
      ip: z.ipv4().default("8.8.8.8"),
      /** Resolved through each nameserver of resolv.conf. */
      name: z.string().default("google.com"),
      timeoutS: z.number().int().min(1).max(10).default(2),
    })
    .default({ ip: "8.8.8.8", name: "google.com", timeoutS: 2 }),
});
export type DiagnoseOptions = z.infer<typeof diagnoseOptionsSchema>;

export function defaultDiagnoseOptions(overrides: z.input<typeof diagnoseOptionsSchema> = {}): DiagnoseOptions {
  return diagnoseOptionsSchema.parse(overrides);
}

/** Links in order of preference: Wi-Fi first (metric 100), cellular the fallback (metric 700). */
export function linksByPreference(options: DiagnoseOptions): { ifname: string; role: "wifi" | "cellular" }[] {
  return [
    { ifname: options.links.wifi, role: "wifi" },
    { ifname: options.links.cellular, role: "cellular" },
  ];
}
