import { PROTOCOL_VERSION, type CommandResponse, type EventMessage, type HealthMessage, type HeartbeatMessage, type StatusMessage } from "@uplink/shared";

/**
 * Protocol messages for tests, valid against the shared schemas. These are wire messages the
 * tests compose, not captured tool output.
 */
const envelope = (deviceId: string, seq: number, bootId = "boot-aaaa-0001") => ({
  v: PROTOCOL_VERSION as 1,
  deviceId,
  bootId,
  seq,
  ts: new Date().toISOString(),
});

export function statusMessage(deviceId: string, seq: number, state: "online" | "offline" = "online", bootId?: string): StatusMessage {
  return { ...envelope(deviceId, seq, bootId), state, agentVersion: "0.1.0" };
}

export function heartbeatMessage(deviceId: string, seq: number, bootId?: string, dropped = 0): HeartbeatMessage {
  return {
    ...envelope(deviceId, seq, bootId),
    uptimeS: 120,
    activeLink: "wlan0",
    links: { wlan0: { up: true, rxBytes: 1000, txBytes: 500 }, wwan0: { up: true } },
    signal: { radio: "lte", rssiDbm: -67, rsrpDbm: -95, rsrqDb: -9, snrDb: 8.4 },
    outbox: { depth: 0, dropped },
  };
}

export function healthMessage(deviceId: string, seq: number, wwanCause: "session" | null = "session", bootId?: string): HealthMessage {
  const layer = (n: number, name: "hardware" | "session" | "interface" | "ip", state: "ok" | "failing") => ({
    layer: n,
    name,
    state,
    summary: `${name} ${state}`,
    evidence: [],
    ...(state === "failing" ? { cause: "sim-absent", fix: { name: "qmi.restart", args: {} } } : {}),
  });
  return {
    ...envelope(deviceId, seq, bootId),
    links: {
      wlan0: { role: "wifi", firstFailingLayer: null, reachable: true, layers: [layer(1, "hardware", "ok"), layer(2, "session", "ok")] },
      wwan0: {
        role: "cellular",
        firstFailingLayer: wwanCause,
        reachable: wwanCause ? false : true,
        layers: [layer(1, "hardware", "ok"), layer(2, "session", wwanCause ? "failing" : "ok")],
      },
    },
    host: { firstFailingLayer: null, layers: [] },
    selection: { active: "wlan0", preferred: "wlan0", onFallback: false, reason: "wlan0 is healthy and preferred" },
  };
}

export function eventMessage(deviceId: string, seq: number, bootId?: string): EventMessage {
  return { ...envelope(deviceId, seq, bootId), type: "link.changed", from: "wwan0", to: "wlan0", reason: "wlan0 came back" };
}

export function responseMessage(
  deviceId: string,
  seq: number,
  requestId: string,
  name: string,
  state: CommandResponse["state"],
  extra: Partial<CommandResponse> = {},
  bootId?: string,
): CommandResponse {
  return { ...envelope(deviceId, seq, bootId), requestId, name, state, ...extra };
}
