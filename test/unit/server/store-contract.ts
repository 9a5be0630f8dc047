import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newDevice } from "../../../server/src/state/reducer.ts";
import { newCommand } from "../../../server/src/state/command-lifecycle.ts";
import type { Store } from "../../../server/src/store/store.ts";
import { eventMessage, healthMessage, heartbeatMessage } from "./messages.ts";

/**
 * What every Store must do, whatever is behind it: run by test/unit/server/sqlite-store.test.ts on
 * SQLite in memory and by test/integration/scale/postgres-store.test.ts on a real PostgreSQL.
 * `open` gives a fresh, empty store for each test.
 */
export function describeStoreContract(name: string, open: () => Store | Promise<Store>): void {
  describe(`the ${name} store`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => store.close());

    it("keeps a transaction usable after one message's writes failed inside it", () => {
      store.addDevice("pi-1", "hash", new Date().toISOString());
      store.transaction(() => {
        store.appendHeartbeat("pi-1", new Date(1000).toISOString(), heartbeatMessage("pi-1", 2));
        expect(() => store.isolated(() => store.addDevice("pi-1", "hash", new Date().toISOString()))).toThrow(/exists/);
        store.appendHeartbeat("pi-1", new Date(2000).toISOString(), heartbeatMessage("pi-1", 3));
      });
      expect(store.listHeartbeats({ deviceId: "pi-1", limit: 10 }).items.map((h) => h.message.seq)).toEqual([3, 2]);
    });

    it("keeps one heartbeat per device and bucket past the retention window, and all the recent ones", () => {
      const t0 = Date.UTC(2025, 0, 1);
      for (let m = 0; m < 120; m++) store.appendHeartbeat("pi-1", new Date(t0 + m * 60_000).toISOString(), heartbeatMessage("pi-1", m + 1));
      // Older than t0 + 60 min: downsample to one an hour; the last hour stays whole.
      const removed = store.downsampleHeartbeats(t0 + 60 * 60_000, 3600_000);
      expect(removed).toBe(59);
      const left = store.listHeartbeats({ deviceId: "pi-1", limit: 1000 }).items;
      expect(left).toHaveLength(61);
      expect(left.at(-1)!.message.seq).toBe(1);
    });

    it("pages newest first with an opaque cursor and refuses a forged one", () => {
      for (let i = 1; i <= 5; i++) store.appendHeartbeat("pi-1", new Date(i * 1000).toISOString(), heartbeatMessage("pi-1", i));
      const p1 = store.listHeartbeats({ deviceId: "pi-1", limit: 3 });
      expect(p1.items.map((h) => h.message.seq)).toEqual([5, 4, 3]);
      const p2 = store.listHeartbeats({ deviceId: "pi-1", limit: 3, cursor: p1.nextCursor });
      expect(p2.items.map((h) => h.message.seq)).toEqual([2, 1]);
      expect(p2.nextCursor).toBeNull();
      expect(() => store.listHeartbeats({ deviceId: "pi-1", limit: 3, cursor: "!!" })).toThrow(/cursor/);
    });

    it("stores a device message once per device, boot and seq", () => {
      const at = new Date().toISOString();
      expect(store.appendHeartbeat("pi-1", at, heartbeatMessage("pi-1", 7, "boot-aaaa-0001"))).toBe(true);
      expect(store.appendHeartbeat("pi-1", at, heartbeatMessage("pi-1", 7, "boot-aaaa-0001"))).toBe(false);
      expect(store.appendHeartbeat("pi-1", at, heartbeatMessage("pi-1", 7, "boot-bbbb-0002"))).toBe(true);
      expect(store.appendHeartbeat("pi-2", at, heartbeatMessage("pi-2", 7, "boot-aaaa-0001"))).toBe(true);
      expect(store.appendEvent("pi-1", at, eventMessage("pi-1", 8))).toBe(true);
      expect(store.appendEvent("pi-1", at, eventMessage("pi-1", 8))).toBe(false);
      expect(store.appendHealth("pi-1", at, healthMessage("pi-1", 9))).toBe(true);
      expect(store.appendHealth("pi-1", at, healthMessage("pi-1", 9))).toBe(false);
      expect(store.listHeartbeats({ deviceId: "pi-1", limit: 10 }).items).toHaveLength(2);
      expect(store.listEvents({ deviceId: "pi-1", limit: 10 }).items).toHaveLength(1);
      expect(store.listHealth({ deviceId: "pi-1", limit: 10 }).items).toHaveLength(1);
    });

    it("filters events by type and time", () => {
      store.appendEvent("pi-1", new Date(1000).toISOString(), eventMessage("pi-1", 1));
      store.appendEvent("pi-1", new Date(2000).toISOString(), eventMessage("pi-1", 2));
      expect(store.listEvents({ deviceId: "pi-1", limit: 10, type: "link.changed", sinceMs: 1500 }).items.map((e) => e.message.seq)).toEqual([2]);
      expect(store.listEvents({ deviceId: "pi-1", limit: 10, type: "agent.started" }).items).toEqual([]);
    });

    it("saves and restores device states", () => {
      store.saveDeviceStates([{ ...newDevice("pi-1"), activeLink: "wwan0" }]);
      store.saveDeviceStates([{ ...newDevice("pi-1"), activeLink: "wlan0" }]);
      expect(store.loadDeviceStates()).toEqual([{ ...newDevice("pi-1"), activeLink: "wlan0" }]);
    });

    it("restores only the device states saved since a time when asked", async () => {
      store.saveDeviceStates([newDevice("pi-1")]);
      await new Promise((r) => setTimeout(r, 5));
      const since = new Date().toISOString();
      store.saveDeviceStates([newDevice("pi-2")]);
      expect(store.loadDeviceStates(since).map((d) => d.deviceId)).toEqual(["pi-2"]);
    });

    it("updates a device state in one transaction with the messages stored meanwhile", () => {
      const first = store.updateDeviceState("pi-1", (stored) => {
        expect(stored).toBeNull();
        store.appendHeartbeat("pi-1", new Date().toISOString(), heartbeatMessage("pi-1", 1));
        return { ...newDevice("pi-1"), uptimeS: 1 };
      });
      expect(first?.uptimeS).toBe(1);
      store.updateDeviceState("pi-1", (stored) => ({ ...stored!, uptimeS: stored!.uptimeS! + 1 }));
      expect(store.loadDeviceStates()).toEqual([{ ...newDevice("pi-1"), uptimeS: 2 }]);
      // A change that throws leaves neither the state nor its messages.
      expect(() =>
        store.updateDeviceState("pi-1", () => {
          store.appendHeartbeat("pi-1", new Date().toISOString(), heartbeatMessage("pi-1", 2));
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect(store.loadDeviceStates()[0]!.uptimeS).toBe(2);
      expect(store.listHeartbeats({ deviceId: "pi-1", limit: 10 }).items.map((h) => h.message.seq)).toEqual([1]);
    });

    it("refuses to add a device twice with a coded error", () => {
      store.addDevice("pi-1", "h", "t");
      expect(() => store.addDevice("pi-1", "h", "t")).toThrow(expect.objectContaining({ code: "UPLINK_DEVICE_EXISTS" }));
      expect(store.getDevicePasswordHash("pi-1")).toBe("h");
      store.setDevicePassword("pi-1", "h2");
      expect(store.getDevicePasswordHash("pi-1")).toBe("h2");
      expect(() => store.setDevicePassword("pi-9", "h")).toThrow(expect.objectContaining({ code: "UPLINK_DEVICE_NOT_FOUND" }));
      expect(store.listDeviceIds()).toEqual(["pi-1"]);
    });

    it("keeps tokens by id and refuses a second token of the same name", () => {
      store.addToken({ id: "a1", name: "alice", hash: "h", createdAt: "2025-01-01T00:00:00.000Z" });
      expect(() => store.addToken({ id: "a2", name: "alice", hash: "h", createdAt: "2025-01-01T00:00:00.000Z" })).toThrow(
        expect.objectContaining({ code: "UPLINK_TOKEN_EXISTS" }),
      );
      expect(store.getToken("a1")).toEqual({ id: "a1", name: "alice", hash: "h", createdAt: "2025-01-01T00:00:00.000Z" });
      expect(store.listTokens()).toEqual([{ id: "a1", name: "alice", createdAt: "2025-01-01T00:00:00.000Z" }]);
    });

    it("keeps commands, lists them newest first and the open ones in order", () => {
      const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
      const cmds = [1, 2, 3].map((i) =>
        newCommand({ id: `00000000-0000-4000-8000-00000000000${i}`, deviceId: "pi-1", name: "diagnose", args: {}, issuedAt: at(i), expiresAt: at(600), issuedBy: "t" }),
      );
      for (const c of cmds) store.saveCommand(c);
      store.saveCommand({ ...cmds[1]!, state: "succeeded" });
      expect(store.getCommand(cmds[1]!.id)?.state).toBe("succeeded");
      expect(store.listOpenCommands().map((c) => c.id)).toEqual([cmds[0]!.id, cmds[2]!.id]);
      const p1 = store.listCommands({ deviceId: "pi-1", limit: 2 });
      expect(p1.items.map((c) => c.id)).toEqual([cmds[2]!.id, cmds[1]!.id]);
      expect(store.listCommands({ deviceId: "pi-1", limit: 2, cursor: p1.nextCursor }).items.map((c) => c.id)).toEqual([cmds[0]!.id]);
      expect(store.listCommands({ state: "succeeded", limit: 10 }).items.map((c) => c.id)).toEqual([cmds[1]!.id]);
    });

    it("keeps alerts, updates one when it resolves, and lists them newest first by state, device and time", () => {
      const alert = (deviceId: string, firedS: number) => ({
        id: `device.offline:${deviceId}@${firedS}`,
        key: `device.offline:${deviceId}`,
        rule: "device.offline" as const,
        deviceId,
        subject: null,
        state: "firing" as const,
        since: new Date(Date.UTC(2025, 0, 1, 0, 0, firedS - 1)).toISOString(),
        firedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, firedS)).toISOString(),
        resolvedAt: null,
        summary: "offline",
      });
      const [a, b, c] = [alert("pi-1", 1), alert("pi-2", 2), alert("pi-1", 3)];
      for (const x of [a!, b!, c!]) store.saveAlert(x);
      store.saveAlert({ ...a!, state: "resolved", resolvedAt: c!.firedAt });
      expect(store.listFiringAlerts().map((x) => x.id)).toEqual([b!.id, c!.id]);
      expect(store.listAlerts({ limit: 10 }).items.map((x) => [x.id, x.state])).toEqual([
        [c!.id, "firing"],
        [b!.id, "firing"],
        [a!.id, "resolved"],
      ]);
      expect(store.listAlerts({ deviceId: "pi-1", state: "resolved", limit: 10 }).items.map((x) => x.resolvedAt)).toEqual([c!.firedAt]);
      const p1 = store.listAlerts({ limit: 2, sinceMs: Date.parse(b!.firedAt) });
      expect(p1.items.map((x) => x.id)).toEqual([c!.id, b!.id]);
      expect(p1.nextCursor === null || store.listAlerts({ limit: 2, sinceMs: Date.parse(b!.firedAt), cursor: p1.nextCursor }).items.length === 0).toBe(true);
    });

    it("keeps presence changes and gives a window's rows with the one before it", () => {
      const r = (atMs: number, online: boolean, link: string | null) => ({ atMs, online, link, cause: online ? null : "wwan0/session" });
      store.appendPresence("pi-1", r(1000, true, "wlan0"));
      store.appendPresence("pi-1", r(2000, false, null));
      store.appendPresence("pi-1", r(3000, true, "wwan0"));
      store.appendPresence("pi-2", r(1500, true, "wlan0"));
      expect(store.listPresence("pi-1", 1500, 3000)).toEqual({ before: r(1000, true, "wlan0"), rows: [r(2000, false, null)] });
      expect(store.listPresence("pi-1", 0, 500)).toEqual({ before: null, rows: [] });
      expect(store.lastPresence()).toEqual({ "pi-1": r(3000, true, "wwan0"), "pi-2": r(1500, true, "wlan0") });
    });
  });
}
