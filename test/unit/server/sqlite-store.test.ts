import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../../server/src/store/sqlite-store.ts";
import { newDevice } from "../../../server/src/state/reducer.ts";
import { heartbeatMessage } from "./messages.ts";

describe("the SQLite store", () => {
  it("keeps one heartbeat per device and bucket past the retention window, and all the recent ones", () => {
    const store = openSqliteStore(":memory:");
    const t0 = Date.UTC(2025, 0, 1);
    for (let m = 0; m < 120; m++) store.appendHeartbeat("pi-1", new Date(t0 + m * 60_000).toISOString(), heartbeatMessage("pi-1", m + 1));
    // Older than t0 + 60 min: downsample to one an hour; the last hour stays whole.
    const removed = store.downsampleHeartbeats(t0 + 60 * 60_000, 3600_000);
    expect(removed).toBe(59);
    const left = store.listHeartbeats({ deviceId: "pi-1", limit: 1000 }).items;
    expect(left).toHaveLength(61);
    expect(left.at(-1)!.message.seq).toBe(1);
    store.close();
  });

  it("pages newest first with an opaque cursor and refuses a forged one", () => {
    const store = openSqliteStore(":memory:");
    for (let i = 1; i <= 5; i++) store.appendHeartbeat("pi-1", new Date(i * 1000).toISOString(), heartbeatMessage("pi-1", i));
    const p1 = store.listHeartbeats({ deviceId: "pi-1", limit: 3 });
    expect(p1.items.map((h) => h.message.seq)).toEqual([5, 4, 3]);
    const p2 = store.listHeartbeats({ deviceId: "pi-1", limit: 3, cursor: p1.nextCursor });
    expect(p2.items.map((h) => h.message.seq)).toEqual([2, 1]);
    expect(p2.nextCursor).toBeNull();
    expect(() => store.listHeartbeats({ deviceId: "pi-1", limit: 3, cursor: "!!" })).toThrow(/cursor/);
    store.close();
  });

  it("saves and restores device states", () => {
    const store = openSqliteStore(":memory:");
    store.saveDeviceStates([{ ...newDevice("pi-1"), activeLink: "wwan0" }]);
    store.saveDeviceStates([{ ...newDevice("pi-1"), activeLink: "wlan0" }]);
    expect(store.loadDeviceStates()).toEqual([{ ...newDevice("pi-1"), activeLink: "wlan0" }]);
    store.close();
  });

  it("refuses to add a device twice with a coded error", () => {
    const store = openSqliteStore(":memory:");
    store.addDevice("pi-1", "h", "t");
    expect(() => store.addDevice("pi-1", "h", "t")).toThrow(expect.objectContaining({ code: "UPLINK_DEVICE_EXISTS" }));
    store.close();
  });
});
