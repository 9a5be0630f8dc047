import type { Logger } from "pino";
import type { Fleet } from "../fleet.ts";
import type { Store } from "../store/store.ts";
import { presenceChange, type PresenceRow } from "./presence.ts";

/**
 * Writes a presence row whenever a device's online state or link changes in the fleet: the
 * history availability and time per link are computed from. It listens to the fleet's updates
 * (ingest is not touched) and goes on after a restart from each device's last stored row.
 */
export function recordPresence(fleet: Fleet, store: Store, logger: Logger): () => void {
  const last: Record<string, Pick<PresenceRow, "online" | "link">> = store.lastPresence();
  return fleet.onUpdate((u) => {
    if (u.type !== "device") return;
    const row = presenceChange(last[u.deviceId], u.device, Date.now());
    if (!row) return;
    last[u.deviceId] = row;
    try {
      store.appendPresence(u.deviceId, row);
    } catch (err) {
      logger.warn({ err, deviceId: u.deviceId }, "storing a presence change failed; the history misses it");
    }
  });
}
