import type { z } from "zod";
import { atKind } from "../parse/at.ts";
import { dmesgKind } from "../parse/dmesg.ts";
import { ipAddrKind } from "../parse/ip-addr.ts";
import { ipLinkKind } from "../parse/ip-link.ts";
import { ipRouteGetKind } from "../parse/ip-route-get.ts";
import { ipRouteKind } from "../parse/ip-route.ts";
import { lsattrKind } from "../parse/lsattr.ts";
import { lsusbKind } from "../parse/lsusb.ts";
import { mmcliModemKind } from "../parse/mmcli-modem.ts";
import { nmcliDeviceKind } from "../parse/nmcli-device.ts";
import { pingKind } from "../parse/ping.ts";
import { dmsGetIdsKind } from "../parse/qmicli-dms-get-ids.ts";
import { dmsGetOperatingModeKind } from "../parse/qmicli-dms-get-operating-mode.ts";
import { nasGetServingSystemKind } from "../parse/qmicli-nas-get-serving-system.ts";
import { nasGetSignalStrengthKind } from "../parse/qmicli-nas-get-signal-strength.ts";
import { uimGetCardStatusKind } from "../parse/qmicli-uim-get-card-status.ts";
import { wdaGetDataFormatKind } from "../parse/qmicli-wda-get-data-format.ts";
import { wdsGetCurrentSettingsKind } from "../parse/qmicli-wds-get-current-settings.ts";
import { wdsGetPacketServiceStatusKind } from "../parse/qmicli-wds-get-packet-service-status.ts";
import { qmiNetworkKind } from "../parse/qmi-network.ts";
import { resolvConfKind } from "../parse/resolv-conf.ts";
import type { ParserKind } from "../parse/result.ts";
import { udhcpcKind } from "../parse/udhcpc.ts";
import { vcgencmdGetThrottledKind } from "../parse/vcgencmd-get-throttled.ts";
import { dnsProbeSchema, type DnsProbe } from "./dns-probe.ts";
import { DNS_PROBE_KEY } from "./collect.ts";
import { kindOfKey, qualifierOfKey } from "./commands.ts";
import type { Snapshot } from "./snapshot.ts";

type FactsOf<K extends ParserKind> = z.infer<K["schema"]>;

/** The single-capture kinds the assessment reads, by the name it reads them under. */
const single = {
  ipLink: ipLinkKind,
  ipAddr: ipAddrKind,
  ipRoute: ipRouteKind,
  ipRouteGet: ipRouteGetKind,
  lsusb: lsusbKind,
  dmesg: dmesgKind,
  throttled: vcgencmdGetThrottledKind,
  ids: dmsGetIdsKind,
  operatingMode: dmsGetOperatingModeKind,
  card: uimGetCardStatusKind,
  signal: nasGetSignalStrengthKind,
  serving: nasGetServingSystemKind,
  packet: wdsGetPacketServiceStatusKind,
  dataFormat: wdaGetDataFormatKind,
  settings: wdsGetCurrentSettingsKind,
  qmiNetwork: qmiNetworkKind,
  nmcli: nmcliDeviceKind,
  mmcli: mmcliModemKind,
  at: atKind,
  resolvConf: resolvConfKind,
  lsattr: lsattrKind,
} as const;

type Single = typeof single;
/** A tool's own error report (qmicli's `error: ...`, ip's `RTNETLINK answers: ...`). */
export interface ToolError {
  message: string;
  qmiCode?: number | undefined;
  qmiName?: string | undefined;
}
/** A kind's facts without its error variant: errors are kept apart, in `errors`. */
type DataOf<K extends ParserKind> = Exclude<FactsOf<K>, { error: unknown }>;

export type Facts = { -readonly [K in keyof Single]?: DataOf<Single[K]> } & {
  errors: { -readonly [K in keyof Single]?: ToolError };
  /** Ping results by interface; "" is the unbound ping that follows the routing table. */
  ping: Record<string, FactsOf<typeof pingKind>>;
  /** The last DHCP run by interface, when the agent recorded one. */
  udhcpc: Record<string, FactsOf<typeof udhcpcKind>>;
  dnsProbe?: DnsProbe;
  /** Captures that were present but could not be read as their kind. */
  unreadable: { key: string; error: string }[];
};

const byKind = new Map<string, keyof Single>(Object.entries(single).map(([name, k]) => [k.kind, name as keyof Single]));

/** Parses every capture of a snapshot into facts. Pure: the snapshot is already text. */
export function readFacts(snapshot: Snapshot): Facts {
  const out: Facts = { ping: {}, udhcpc: {}, errors: {}, unreadable: [] };
  const record = out as Record<string, unknown>;
  for (const [key, text] of snapshot) {
    if (key === DNS_PROBE_KEY) {
      const probe = readDnsProbe(text);
      if (probe) out.dnsProbe = probe;
      else out.unreadable.push({ key, error: "not a DNS probe record" });
      continue;
    }
    const kind = kindOfKey(key);
    const qualifier = qualifierOfKey(key) ?? "";
    const parser = kind === pingKind.kind ? pingKind : kind === udhcpcKind.kind ? udhcpcKind : single[byKind.get(kind)!];
    if (!parser) continue;
    const result = safeParse(parser, text);
    if (!result.ok) {
      out.unreadable.push({ key, error: result.error });
      continue;
    }
    if (parser === pingKind) out.ping[qualifier] = result.facts as FactsOf<typeof pingKind>;
    else if (parser === udhcpcKind) out.udhcpc[qualifier] = result.facts as FactsOf<typeof udhcpcKind>;
    else {
      const name = byKind.get(kind)!;
      const value = result.facts as { error?: ToolError };
      // Only a pure error report goes to `errors`; ping's error sits beside its counters.
      if (value.error && Object.keys(value).length === 1) out.errors[name] = value.error;
      else record[name] = value;
    }
  }
  return out;
}

function safeParse(parser: ParserKind, text: string) {
  try {
    return parser.parse(text);
  } catch (err) {
    return { ok: false as const, error: (err as Error).message };
  }
}

function readDnsProbe(text: string): DnsProbe | null {
  try {
    const parsed = dnsProbeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
