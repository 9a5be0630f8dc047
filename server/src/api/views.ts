import { BOUNDS } from "@uplink/shared";
import type { DeviceState } from "../state/types.ts";
import type { DeviceView } from "./schemas.ts";
import { firstEntries, healthWithin, recentEventsWithin } from "./view-bounds.ts";

/** Links and `host`. */
const ROOT_CAUSE_ENTRIES = BOUNDS.links + 1;

/** A device as the API shows it; whatever its state holds, within view-bounds.ts. */
export function deviceView(d: DeviceState): DeviceView {
  return {
    deviceId: d.deviceId,
    online: d.online,
    status: d.status,
    statusReason: d.statusReason,
    activeLink: d.activeLink,
    rootCause: firstEntries(d.rootCause, ROOT_CAUSE_ENTRIES),
    health: healthWithin(d.health),
    healthAt: d.healthAt,
    signal: d.signal ?? null,
    system: d.system ?? null,
    links: firstEntries(d.links),
    outbox: d.outbox,
    storage: d.storage ?? null,
    uptimeS: d.uptimeS,
    agentVersion: d.agentVersion,
    lastSeenAt: d.lastSeenAt,
    lastHeartbeatAt: d.lastHeartbeatAt,
    delivery: {
      bootId: d.seq.bootId,
      received: d.seq.received,
      duplicates: d.seq.duplicates,
      gaps: d.seq.gaps,
      stale: d.seq.stale,
      anomalies: d.seq.anomalies,
      droppedByDevice: d.outbox?.dropped ?? null,
    },
    recentEvents: recentEventsWithin(d.recentEvents),
    commandsInFlight: d.commandsInFlight,
  };
}

/** The device-list filters of the API, as a pure predicate. */
export function matchesFilter(d: DeviceState, f: { online?: boolean; rootCause?: string; link?: string }): boolean {
  if (f.online !== undefined && d.online !== f.online) return false;
  if (f.link !== undefined && d.activeLink !== f.link) return false;
  if (f.rootCause !== undefined) {
    const causes = Object.values(d.rootCause);
    if (f.rootCause === "none") return causes.every((c) => c === null);
    return causes.includes(f.rootCause as never);
  }
  return true;
}
