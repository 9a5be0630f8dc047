import type { Diagnosis, LayerHealth, LayerName, LayerState } from "@uplink/shared";

export type ChangeEvent =
  | { type: "link.changed"; from: string | null; to: string | null; reason: string }
  | { type: "layer.changed"; link: string; layer: LayerName; from: LayerState; to: LayerState; cause?: string };

function layerMap(d: Diagnosis): Map<string, LayerHealth> {
  const map = new Map<string, LayerHealth>();
  for (const [link, report] of Object.entries(d.links)) for (const l of report.layers) map.set(`${link}\u0000${l.name}`, l);
  for (const l of d.host.layers) map.set(`host\u0000${l.name}`, l);
  return map;
}

/**
 * The events between two diagnoses: a layer whose state moved, and a change of the link that
 * carries the traffic. Nothing for the first diagnosis: `agent.started` and the health report
 * say where things stand. Pure.
 */
export function diffDiagnosis(prev: Diagnosis | null, next: Diagnosis): ChangeEvent[] {
  if (!prev) return [];
  const events: ChangeEvent[] = [];
  const before = layerMap(prev);
  for (const [key, layer] of layerMap(next)) {
    const old = before.get(key);
    const from = old?.state ?? "unknown";
    if (from === layer.state) continue;
    const link = key.slice(0, key.indexOf("\u0000"));
    events.push({ type: "layer.changed", link, layer: layer.name, from, to: layer.state, ...(layer.cause ? { cause: layer.cause } : {}) });
  }
  if (prev.selection.active !== next.selection.active) {
    events.push({ type: "link.changed", from: prev.selection.active, to: next.selection.active, reason: next.selection.reason });
  }
  return events;
}

/** Whether two diagnoses say the same (health is published when this is false). */
export function sameDiagnosis(a: Diagnosis | null, b: Diagnosis): boolean {
  return a !== null && JSON.stringify(a) === JSON.stringify(b);
}
