import type { HealthMessage } from "@uplink/shared";
import { emptyReceipt } from "../ingest/seq-receipt.ts";
import { isFinal } from "./command-lifecycle.ts";
import type { DeviceState, FleetMessage, FleetState, LinkRootCauses } from "./types.ts";

/** How many of a device's latest events the state keeps; the rest are in the store. */
export const RECENT_EVENTS = 20;

export function emptyFleet(): FleetState {
  return { devices: {}, commands: {} };
}

export function newDevice(deviceId: string): DeviceState {
  return {
    deviceId,
    online: false,
    status: "unknown",
    statusReason: null,
    agentVersion: null,
    bootId: null,
    lastSeenAt: null,
    lastHeartbeatAt: null,
    activeLink: null,
    uptimeS: null,
    signal: null,
    system: null,
    links: null,
    outbox: null,
    health: null,
    healthAt: null,
    rootCause: {},
    recentEvents: [],
    commandsInFlight: [],
    seq: emptyReceipt(),
  };
}

export function rootCauses(health: HealthMessage): LinkRootCauses {
  const out: LinkRootCauses = {};
  for (const [ifname, link] of Object.entries(health.links)) out[ifname] = link.firstFailingLayer;
  out.host = health.host.firstFailingLayer;
  return out;
}

function withDevice(state: FleetState, deviceId: string, change: (d: DeviceState) => DeviceState): FleetState {
  const before = state.devices[deviceId] ?? newDevice(deviceId);
  return { ...state, devices: { ...state.devices, [deviceId]: change(before) } };
}

function seen(d: DeviceState, receivedAt: string, bootId: string): DeviceState {
  return { ...d, lastSeenAt: receivedAt, bootId };
}

/**
 * Pure: the fleet after one message. Dedupe happens before (ingest): the reducer trusts that each
 * message is new. Time only enters through `receivedAt` and `tick`, so the same messages always
 * give the same fleet.
 */
export function reduceFleet(state: FleetState, msg: FleetMessage): FleetState {
  switch (msg.kind) {
    case "device.registered":
      return state.devices[msg.deviceId] ? state : withDevice(state, msg.deviceId, (d) => d);
    case "seq.observed":
      return withDevice(state, msg.deviceId, (d) => ({ ...d, seq: msg.receipt }));
    case "status": {
      const m = msg.message;
      return withDevice(state, m.deviceId, (d) => ({
        ...seen(d, msg.receivedAt, m.bootId),
        status: m.state,
        online: m.state === "online",
        statusReason: m.reason ?? null,
        agentVersion: m.agentVersion ?? d.agentVersion,
      }));
    }
    case "heartbeat": {
      const m = msg.message;
      return withDevice(state, m.deviceId, (d) => ({
        ...seen(d, msg.receivedAt, m.bootId),
        // A heartbeat proves the device is connected, even if its birth message was missed.
        status: "online",
        online: true,
        statusReason: null,
        lastHeartbeatAt: msg.receivedAt,
        activeLink: m.activeLink,
        uptimeS: m.uptimeS,
        signal: m.signal ?? d.signal,
        system: m.system ?? d.system,
        links: m.links,
        outbox: m.outbox,
      }));
    }
    case "health": {
      const m = msg.message;
      return withDevice(state, m.deviceId, (d) => ({
        ...seen(d, msg.receivedAt, m.bootId),
        health: m,
        healthAt: msg.receivedAt,
        activeLink: m.selection.active,
        rootCause: rootCauses(m),
      }));
    }
    case "event": {
      const m = msg.message;
      return withDevice(state, m.deviceId, (d) => ({
        ...seen(d, msg.receivedAt, m.bootId),
        activeLink: m.type === "link.changed" ? m.to : d.activeLink,
        agentVersion: m.type === "agent.started" ? m.agentVersion : d.agentVersion,
        recentEvents: [m, ...d.recentEvents].slice(0, RECENT_EVENTS),
      }));
    }
    case "command.updated": {
      const c = msg.command;
      const final = isFinal(c.state);
      const commands = { ...state.commands };
      if (final) delete commands[c.id];
      else commands[c.id] = c;
      const next = { ...state, commands };
      return withDevice(next, c.deviceId, (d) => {
        const others = d.commandsInFlight.filter((id) => id !== c.id);
        return { ...d, commandsInFlight: final ? others : [...others, c.id] };
      });
    }
    case "tick":
      return tick(state, Date.parse(msg.now), msg.offlineAfterMs);
  }
}

/** A device that says it is online but has been silent longer than `offlineAfterMs` is offline. */
function tick(state: FleetState, nowMs: number, offlineAfterMs: number): FleetState {
  let devices: FleetState["devices"] | null = null;
  for (const d of Object.values(state.devices)) {
    if (!d.online) continue;
    const last = d.lastSeenAt ? Date.parse(d.lastSeenAt) : -Infinity;
    if (nowMs - last > offlineAfterMs) {
      devices ??= { ...state.devices };
      devices[d.deviceId] = { ...d, online: false, statusReason: "no heartbeat" };
    }
  }
  return devices ? { ...state, devices } : state;
}
