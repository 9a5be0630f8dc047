import { describe, expect, it } from "vitest";
import { emptyFleet, RECENT_EVENTS, reduceFleet } from "../../../server/src/state/reducer.ts";
import { newCommand } from "../../../server/src/state/command-lifecycle.ts";
import type { FleetMessage, FleetState } from "../../../server/src/state/types.ts";
import { eventMessage, healthMessage, heartbeatMessage, statusMessage } from "./messages.ts";

const T0 = "2025-01-01T00:00:00.000Z";
const reduce = (msgs: FleetMessage[], from: FleetState = emptyFleet()) => msgs.reduce(reduceFleet, from);

describe("the fleet reducer", () => {
  it("marks a device online on its birth message and offline on its last will", () => {
    const online = reduce([{ kind: "status", receivedAt: T0, message: statusMessage("pi-1", 1) }]);
    expect(online.devices["pi-1"]).toMatchObject({ online: true, status: "online", agentVersion: "0.1.0" });
    const offline = reduce([{ kind: "status", receivedAt: T0, message: { ...statusMessage("pi-1", 2, "offline"), reason: "connection lost" } }], online);
    expect(offline.devices["pi-1"]).toMatchObject({ online: false, status: "offline", statusReason: "connection lost" });
  });

  it("marks a silent device offline on a tick past the heartbeat age", () => {
    const s = reduce([{ kind: "heartbeat", receivedAt: T0, message: heartbeatMessage("pi-1", 1) }]);
    expect(reduce([{ kind: "tick", now: "2025-01-01T00:01:00.000Z", offlineAfterMs: 90_000 }], s).devices["pi-1"]!.online).toBe(true);
    const later = reduce([{ kind: "tick", now: "2025-01-01T00:02:00.000Z", offlineAfterMs: 90_000 }], s);
    expect(later.devices["pi-1"]).toMatchObject({ online: false, statusReason: "no heartbeat" });
  });

  it("returns the same state for a tick that changes nothing", () => {
    const s = reduce([{ kind: "heartbeat", receivedAt: T0, message: heartbeatMessage("pi-1", 1) }]);
    expect(reduceFleet(s, { kind: "tick", now: T0, offlineAfterMs: 1000 })).toBe(s);
  });

  it("takes signal, links and the outbox from a heartbeat", () => {
    const d = reduce([{ kind: "heartbeat", receivedAt: T0, message: heartbeatMessage("pi-1", 1, undefined, 3) }]).devices["pi-1"]!;
    expect(d).toMatchObject({ activeLink: "wlan0", lastHeartbeatAt: T0, outbox: { dropped: 3 }, signal: { rsrpDbm: -95 } });
  });

  it("keeps the storage fault a device reports in its heartbeat, and its end", () => {
    const storage = { ok: false, path: "/var/lib/uplink/outbox.jsonl", error: "EROFS: read-only file system", since: T0 };
    const faulty = reduce([{ kind: "heartbeat", receivedAt: T0, message: { ...heartbeatMessage("pi-1", 1), storage } }]);
    expect(faulty.devices["pi-1"]!.storage).toEqual(storage);
    const fine = reduce([{ kind: "heartbeat", receivedAt: T0, message: { ...heartbeatMessage("pi-1", 2), storage: { ok: true } } }], faulty);
    expect(fine.devices["pi-1"]!.storage).toEqual({ ok: true });
    // An agent that does not report it: unknown, not ok.
    expect(reduce([{ kind: "heartbeat", receivedAt: T0, message: heartbeatMessage("pi-2", 1) }]).devices["pi-2"]!.storage).toBeNull();
  });

  it("keeps the health report as published and reads the root cause per link", () => {
    const h = healthMessage("pi-1", 1, "session");
    const d = reduce([{ kind: "health", receivedAt: T0, message: h }]).devices["pi-1"]!;
    expect(d.health).toBe(h);
    expect(d.rootCause).toEqual({ wlan0: null, wwan0: "session", host: null });
  });

  it("follows link.changed events and keeps only the latest events", () => {
    const msgs: FleetMessage[] = Array.from({ length: RECENT_EVENTS + 5 }, (_, i) => ({ kind: "event", receivedAt: T0, message: eventMessage("pi-1", i + 1) }));
    const d = reduce(msgs).devices["pi-1"]!;
    expect(d.activeLink).toBe("wlan0");
    expect(d.recentEvents).toHaveLength(RECENT_EVENTS);
    expect(d.recentEvents[0]!.seq).toBe(RECENT_EVENTS + 5);
  });

  it("tracks commands in flight until they are final", () => {
    const cmd = newCommand({ id: "c1", deviceId: "pi-1", name: "diagnose", args: {}, issuedAt: T0, expiresAt: T0, issuedBy: "a" });
    const inFlight = reduce([{ kind: "command.updated", command: cmd }]);
    expect(inFlight.devices["pi-1"]!.commandsInFlight).toEqual(["c1"]);
    expect(inFlight.commands.c1).toBe(cmd);
    const done = reduce([{ kind: "command.updated", command: { ...cmd, state: "succeeded" } }], inFlight);
    expect(done.devices["pi-1"]!.commandsInFlight).toEqual([]);
    expect(done.commands).toEqual({});
  });

  it("never changes the state it was given", () => {
    const s = emptyFleet();
    reduceFleet(s, { kind: "status", receivedAt: T0, message: statusMessage("pi-1", 1) });
    expect(s).toEqual(emptyFleet());
  });
});
