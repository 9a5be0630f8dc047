import { z } from "zod";
import { BOUNDS, boundedRecord, fixArgValue, nameString, textString } from "./bounds.ts";

/**
 * The seven layers of the field guide, bottom up. 1-4 are assessed per link (wwan0, wlan0),
 * 5-7 for the host. The position in this list is the layer's number minus one.
 */
export const LAYER_NAMES = ["hardware", "session", "interface", "ip", "routing", "dns", "application"] as const;
export const layerNameSchema = z.enum(LAYER_NAMES);
export type LayerName = z.infer<typeof layerNameSchema>;

export const LINK_LAYERS: readonly LayerName[] = LAYER_NAMES.slice(0, 4);
export const HOST_LAYERS: readonly LayerName[] = LAYER_NAMES.slice(4);

export function layerNumber(name: LayerName): number {
  return LAYER_NAMES.indexOf(name) + 1;
}

export const layerStateSchema = z.enum(["ok", "degraded", "failing", "unknown"]);
export type LayerState = z.infer<typeof layerStateSchema>;

export const fixSchema = z.object({
  name: nameString().describe("a command of the catalog"),
  args: boundedRecord(fixArgValue(), BOUNDS.fixArgs),
});
export type Fix = z.infer<typeof fixSchema>;

export const evidenceSchema = z.object({
  kind: nameString().describe("the parser kind the fact came from, e.g. qmicli.uim-get-card-status"),
  fact: textString().describe("the fact, in words an operator reads"),
});
export type Evidence = z.infer<typeof evidenceSchema>;

export const layerHealthSchema = z.object({
  layer: z.number().int().min(1).max(7),
  name: layerNameSchema,
  state: layerStateSchema,
  summary: textString(),
  cause: nameString().optional().describe("a stable cause code when failing or degraded, e.g. sim-absent"),
  evidence: z.array(evidenceSchema).max(BOUNDS.evidence),
  fix: fixSchema.optional(),
});
export type LayerHealth = z.infer<typeof layerHealthSchema>;

export const linkRoleSchema = z.enum(["cellular", "wifi"]);
export type LinkRole = z.infer<typeof linkRoleSchema>;

export const linkReportSchema = z.object({
  role: linkRoleSchema,
  firstFailingLayer: layerNameSchema.nullable().describe("the lowest failing layer: the root cause"),
  reachable: z.boolean().nullable().describe("a ping bound to this link was answered; null when not probed"),
  layers: z.array(layerHealthSchema).max(BOUNDS.layers),
});
export type LinkReport = z.infer<typeof linkReportSchema>;

export const hostReportSchema = z.object({
  firstFailingLayer: layerNameSchema.nullable(),
  layers: z.array(layerHealthSchema).max(BOUNDS.layers),
});
export type HostReport = z.infer<typeof hostReportSchema>;

export const selectionSchema = z.object({
  active: nameString().nullable().describe("the link `ip route get` sends traffic through now"),
  preferred: nameString().nullable().describe("the link that should carry traffic: the healthiest by preference"),
  onFallback: z.boolean().describe("true when traffic leaves through a link other than the first choice"),
  gateway: nameString().optional(),
  reason: textString(),
});
export type Selection = z.infer<typeof selectionSchema>;

/** What `uplink-agent diagnose --json` prints and what the health message carries. */
export const diagnosisSchema = z.object({
  links: boundedRecord(linkReportSchema, BOUNDS.links),
  host: hostReportSchema,
  selection: selectionSchema,
});
export type Diagnosis = z.infer<typeof diagnosisSchema>;
