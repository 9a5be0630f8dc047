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
    storage: null,
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

/** The messages that concern one device's state and nothing else. */
export type DeviceMessage = Exclude<FleetMessage, { kind: "command.updated" } | { kind: "tick" }>;

export function isDeviceMessage(msg: FleetMessage): msg is DeviceMessage {
  return msg.kind !== "command.updated" && msg.kind !== "tick";
}

export function deviceIdOf(msg: DeviceMessage): string {
  return msg.kind === "device.registered" || msg.kind === "seq.observed" ? msg.deviceId : msg.message.deviceId;
}

/**
 * Pure: one device after one message about it (`undefined`: a device the fleet has not seen).
 * Returns `d` itself when nothing changes. The fleet shell calls this directly so that a message
 * costs one device, not a copy of the whole fleet.
 */
export function reduceDevice(d: DeviceState | undefined, msg: DeviceMessage): DeviceState {
  switch (msg.kind) {
    case "device.registered":
      return d ?? newDevice(msg.deviceId);
    case "seq.observed":
      return { ...(d ?? newDevice(msg.deviceId)), seq: msg.receipt };
    case "status": {
      const m = msg.message;
      const prev = d ?? newDevice(m.deviceId);
      return {
        ...seen(prev, msg.receivedAt, m.bootId),
        status: m.state,
        online: m.state === "online",
        statusReason: m.reason ?? null,
        agentVersion: m.agentVersion ?? prev.agentVersion,
      };
    }
    case "heartbeat": {
      const m = msg.message;
      const prev = d ?? newDevice(m.deviceId);
      return {
        ...seen(prev, msg.receivedAt, m.bootId),
        // A heartbeat proves the device is connected, even if its birth message was missed.
        status: "online",
        online: true,
        statusReason: null,
        lastHeartbeatAt: msg.receivedAt,
        activeLink: m.activeLink,
        uptimeS: m.uptimeS,
        signal: m.signal ?? prev.signal,
        system: m.system ?? prev.system,
        links: m.links,
        outbox: m.outbox,
        storage: m.storage ?? null,
      };
    }
    case "health": {
      const m = msg.message;
      return {
        ...seen(d ?? newDevice(m.deviceId), msg.receivedAt, m.bootId),
        health: m,
        healthAt: msg.receivedAt,
        activeLink: m.selection.active,
        rootCause: rootCauses(m),
      };
    }
    case "event": {
      const m = msg.message;
      const prev = d ?? newDevice(m.deviceId);
      return {
        ...seen(prev, msg.receivedAt, m.bootId),
        activeLink: m.type === "link.changed" ? m.to : prev.activeLink,
        agentVersion: m.type === "agent.started" ? m.agentVersion : prev.agentVersion,
        recentEvents: [m, ...prev.recentEvents].slice(0, RECENT_EVENTS),
      };
    }
  }
}

/**
 * Pure: the fleet after one message. Dedupe happens before (ingest): the reducer trusts that each
 * message is new. Time only enters through `receivedAt` and `tick`, so the same messages always
 * give the same fleet.
 */
export function reduceFleet(state: FleetState, msg: FleetMessage): FleetState {
  if (isDeviceMessage(msg)) {
    const id = deviceIdOf(msg);
    const before = state.devices[id];
    const after = reduceDevice(before, msg);
    return after === before ? state : { ...state, devices: { ...state.devices, [id]: after } };
  }
  switch (msg.kind) {
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
