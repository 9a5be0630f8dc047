import type { LayerHealth } from "@uplink/shared";
import type { Facts } from "../diagnose/facts.ts";
import { ev } from "./evidence.ts";
import { failing, ok, unknown } from "./layer.ts";

/** Whether the probe target answers through the routing table as the kernel applies it. */
export function internetReachable(f: Facts, active: string | null): boolean | null {
  const probe = f.ping[""] ?? (active ? f.ping[active] : undefined);
  if (!probe) return null;
  return (probe.received ?? 0) > 0;
}

/** Layer 7: the configured target answers, the way an application's traffic would go. */
export function assessApplication(f: Facts, active: string | null): LayerHealth {
  const probe = f.ping[""] ?? (active ? f.ping[active] : undefined);
  if (!probe) return unknown("application", "no reachability probe was captured");
  const target = probe.target ?? "the probe target";
  const evidence = [
    ev("ping", probe.error ? probe.error.message : `${probe.received ?? 0}/${probe.transmitted ?? 0} answered from ${target}`),
  ];
  if ((probe.received ?? 0) > 0) {
    return ok("application", `${target} answers${probe.rttAvgMs !== undefined ? ` (${probe.rttAvgMs} ms)` : ""}`, evidence);
  }
  return failing("application", "no-connectivity", `${target} does not answer`, evidence);
}
