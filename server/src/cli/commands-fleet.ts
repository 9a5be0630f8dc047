import type { DeviceView } from "../api/schemas.ts";
import type { ApiClient } from "./api-client.ts";
import { ago, layerLines, rootCauseText, table } from "./format.ts";
import type { CliIo } from "./io.ts";

export async function devicesCommand(api: ApiClient, io: CliIo, json: boolean, query: string, filtered = false): Promise<number> {
  const list = await api.get<DeviceView[]>(`/api/v1/devices${query}`);
  if (json) {
    io.out(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  if (list.length === 0) {
    io.out(filtered ? "no devices match\n" : "no devices (add one with: uplink device add <id>)\n");
    return 0;
  }
  io.out(
    table(
      ["DEVICE", "ONLINE", "LINK", "ROOT CAUSE", "LAST SEEN", "GAPS", "CMDS"],
      list.map((d) => [
        d.deviceId,
        d.online ? "yes" : "no",
        d.activeLink ?? "-",
        rootCauseText(d.rootCause),
        ago(d.lastSeenAt),
        String(d.delivery.gaps),
        String(d.commandsInFlight.length),
      ]),
    ),
  );
  return 0;
}

export async function showCommand(api: ApiClient, io: CliIo, json: boolean, id: string): Promise<number> {
  const d = await api.get<DeviceView>(`/api/v1/devices/${encodeURIComponent(id)}`);
  if (json) {
    io.out(`${JSON.stringify(d, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `device      ${d.deviceId}`,
    `online      ${d.online ? "yes" : "no"} (status ${d.status}${d.statusReason ? `: ${d.statusReason}` : ""}, last seen ${ago(d.lastSeenAt)})`,
    `active link ${d.activeLink ?? "-"}`,
    `agent       ${d.agentVersion ?? "-"}, up ${d.uptimeS ?? "-"} s`,
    `delivery    ${d.delivery.received} received, ${d.delivery.gaps} missing, ${d.delivery.duplicates} duplicates, ${d.delivery.droppedByDevice ?? 0} heartbeats shed by the device`,
  ];
  if (d.signal) lines.push(`signal      ${Object.entries(d.signal).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  if (d.health) {
    lines.push(`health      ${ago(d.healthAt)}; selection: ${d.health.selection.reason}`, ...layerLines(d.health));
  } else {
    lines.push("health      no report yet");
  }
  if (d.commandsInFlight.length) lines.push(`commands    ${d.commandsInFlight.join(", ")}`);
  if (d.recentEvents.length) {
    lines.push("events");
    for (const e of d.recentEvents.slice(0, 5)) lines.push(`  ${e.ts}  ${e.type}`);
  }
  io.out(`${lines.join("\n")}\n`);
  return 0;
}

/** Prints live updates until interrupted. */
export async function watchCommand(api: ApiClient, io: CliIo, json: boolean, deviceId: string | undefined, signal?: AbortSignal): Promise<number> {
  const q = new URLSearchParams({ types: "event,command,device" });
  if (deviceId) q.set("deviceId", deviceId);
  let lastOnline = new Map<string, boolean>();
  await api.stream(
    `/api/v1/stream?${q}`,
    (type, data) => {
      if (json) return io.out(`${JSON.stringify({ type, data })}\n`);
      const now = new Date().toISOString().slice(11, 19);
      if (type === "event") {
        const e = data as { deviceId: string; event: { type: string } & Record<string, unknown> };
        const { v: _v, deviceId: _d, bootId: _b, seq: _s, ts: _t, type: t, ...rest } = e.event;
        io.out(`${now}  ${e.deviceId}  ${t}  ${JSON.stringify(rest)}\n`);
      } else if (type === "command") {
        const c = data as { id: string; deviceId: string; name: string; state: string; detail: string | null };
        io.out(`${now}  ${c.deviceId}  command ${c.name} ${c.id.slice(0, 8)} ${c.state}${c.detail ? `: ${c.detail}` : ""}\n`);
      } else if (type === "device") {
        const d = data as DeviceView;
        // Devices change on every heartbeat: print only what an operator watches for.
        if (lastOnline.get(d.deviceId) !== d.online) io.out(`${now}  ${d.deviceId}  ${d.online ? "online" : "offline"}${d.activeLink ? ` via ${d.activeLink}` : ""}\n`);
        lastOnline = new Map(lastOnline).set(d.deviceId, d.online);
      }
    },
    signal,
  );
  return 0;
}
