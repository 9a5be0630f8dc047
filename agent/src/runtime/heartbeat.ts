import type { Diagnosis, HeartbeatMessage } from "@uplink/shared";
import type { Host } from "../host/host.ts";
import { vcgencmdGetThrottledKind } from "../parse/vcgencmd-get-throttled.ts";

type HeartbeatBody = Omit<HeartbeatMessage, "v" | "deviceId" | "bootId" | "seq" | "ts">;

async function readNumber(host: Host, path: string): Promise<number | undefined> {
  const text = await host.readFile(path);
  if (text === null) return undefined;
  const n = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(n) ? n : undefined;
}

/** The power flags of the last `vcgencmd get_throttled` capture, through its parser. */
export function throttledFlags(text: string | undefined): { underVoltageNow?: boolean; underVoltageOccurred?: boolean; throttledNow?: boolean } {
  const parsed = text === undefined ? null : vcgencmdGetThrottledKind.parse(text);
  if (!parsed?.ok) return {};
  const { underVoltageNow, underVoltageOccurred, throttledNow } = parsed.facts;
  return { underVoltageNow, underVoltageOccurred, throttledNow };
}

export interface HeartbeatInputs {
  host: Host;
  links: readonly string[];
  diagnosis: Diagnosis | null;
  /** The last captured `vcgencmd get_throttled` and signal facts, from the last snapshot. */
  throttled?: string;
  signal?: HeartbeatBody["signal"];
  outbox: { depth: number; dropped: number };
  /** Whether the data dir takes writes (storage-health.ts); absent, the heartbeat says nothing. */
  storage?: HeartbeatBody["storage"];
}

/** The heartbeat's figures: cheap reads of /proc and /sys, nothing that runs a program. */
export async function buildHeartbeat(i: HeartbeatInputs): Promise<HeartbeatBody> {
  const links: HeartbeatBody["links"] = {};
  for (const link of i.links) {
    const base = `/sys/class/net/${link}`;
    const [operstate, rx, tx] = await Promise.all([
      i.host.readFile(`${base}/operstate`),
      readNumber(i.host, `${base}/statistics/rx_bytes`),
      readNumber(i.host, `${base}/statistics/tx_bytes`),
    ]);
    links[link] = {
      ...(operstate !== null ? { up: operstate.trim() === "up" || operstate.trim() === "unknown" } : {}),
      ...(rx !== undefined ? { rxBytes: rx } : {}),
      ...(tx !== undefined ? { txBytes: tx } : {}),
    };
  }
  const [uptime, temp, loadavg, meminfo] = await Promise.all([
    readNumber(i.host, "/proc/uptime"),
    readNumber(i.host, "/sys/class/thermal/thermal_zone0/temp"),
    readNumber(i.host, "/proc/loadavg"),
    i.host.readFile("/proc/meminfo"),
  ]);
  const memKb = meminfo ? /MemAvailable:\s+(\d+) kB/.exec(meminfo)?.[1] : undefined;
  return {
    uptimeS: uptime ?? process.uptime(),
    activeLink: i.diagnosis?.selection.active ?? null,
    links,
    ...(i.signal ? { signal: i.signal } : {}),
    system: {
      ...(temp !== undefined ? { cpuTempC: temp / 1000 } : {}),
      ...throttledFlags(i.throttled),
      ...(loadavg !== undefined ? { load1: loadavg } : {}),
      ...(memKb ? { memAvailableBytes: Number(memKb) * 1024 } : {}),
    },
    outbox: i.outbox,
    ...(i.storage ? { storage: i.storage } : {}),
  };
}
