import { layerNumber, type Evidence, type Fix, type LayerHealth, type LayerName } from "@uplink/shared";

/** Builders for a layer verdict, so each assessment reads as the rule it applies. */
export function ok(name: LayerName, summary: string, evidence: Evidence[]): LayerHealth {
  return { layer: layerNumber(name), name, state: "ok", summary, evidence };
}

export function degraded(name: LayerName, cause: string, summary: string, evidence: Evidence[], fix?: Fix): LayerHealth {
  return { layer: layerNumber(name), name, state: "degraded", cause, summary, evidence, ...(fix ? { fix } : {}) };
}

export function failing(name: LayerName, cause: string, summary: string, evidence: Evidence[], fix?: Fix): LayerHealth {
  return { layer: layerNumber(name), name, state: "failing", cause, summary, evidence, ...(fix ? { fix } : {}) };
}

/** No evidence: never `failing`, because a missing capture is not a broken layer. */
export function unknown(name: LayerName, summary: string, evidence: Evidence[] = []): LayerHealth {
  return { layer: layerNumber(name), name, state: "unknown", summary, evidence };
}

export function fix(name: string, args: Fix["args"] = {}): Fix {
  return { name, args };
}

/** The lowest failing layer: the root cause. Degraded layers are worth a look, not the cause. */
export function firstFailing(layers: readonly LayerHealth[]): LayerName | null {
  const failingLayers = layers.filter((l) => l.state === "failing").sort((a, b) => a.layer - b.layer);
  return failingLayers[0]?.name ?? null;
}
