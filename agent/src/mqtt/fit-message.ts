import type { z } from "zod";

/** What fitting cut: `output: 70000 -> 65536` (path, then the length before and after). */
export interface Fitted<T> {
  value: T;
  cuts: string[];
}

/** Where a string was cut, so that whoever reads it knows it is not all there. */
export const CUT_MARKER = "[...cut]";

/**
 * Pure: the message within the wire schema's bounds (shared/src/bounds.ts), or as it was. The
 * server refuses a message over a bound, and the outbox would keep it for ever; a cut message
 * still says what happened. Strings keep their start, except a command's `output`, which keeps
 * its end (the last lines say why it failed); arrays and records keep their first entries. Each
 * cut string carries CUT_MARKER. Anything else wrong with the message is left for the server to
 * refuse: it is a bug to fix, not a size to fit.
 */
export function fitMessage<T extends object>(schema: z.ZodType, message: T): Fitted<T> {
  let value = message;
  const cuts: string[] = [];
  // An issue hides the ones inside it (a record too long is not checked entry by entry): a few passes.
  for (let pass = 0; pass < 4; pass++) {
    const parsed = schema.safeParse(value);
    if (parsed.success) break;
    const fixes = parsed.error.issues.flatMap((issue) => fixOf(issue));
    if (fixes.length === 0) break;
    if (value === message) value = structuredClone(message);
    for (const fix of fixes) {
      const cut = apply(value, fix);
      if (cut) cuts.push(cut);
    }
  }
  return { value, cuts };
}

type Fix = { path: PropertyKey[]; max: number; kind: "string" | "array" | "record" };

function fixOf(issue: z.core.$ZodIssue): Fix[] {
  if (issue.code === "too_big" && (issue.origin === "string" || issue.origin === "array")) {
    return [{ path: issue.path, max: Number(issue.maximum), kind: issue.origin === "string" ? "string" : "array" }];
  }
  const maxEntries = issue.code === "custom" ? (issue.params as { maxEntries?: unknown } | undefined)?.maxEntries : undefined;
  if (typeof maxEntries === "number") return [{ path: issue.path, max: maxEntries, kind: "record" }];
  return [];
}

function apply(root: object, fix: Fix): string | null {
  if (fix.path.length === 0) return null;
  const parentPath = fix.path.slice(0, -1);
  const key = fix.path[fix.path.length - 1]!;
  let parent: unknown = root;
  for (const k of parentPath) parent = (parent as Record<PropertyKey, unknown>)?.[k];
  if (typeof parent !== "object" || parent === null) return null;
  const slot = parent as Record<PropertyKey, unknown>;
  const v = slot[key];
  const where = fix.path.map(String).join(".");
  if (fix.kind === "string" && typeof v === "string" && v.length > fix.max) {
    slot[key] = cutString(v, fix.max, key === "output");
    return `${where}: ${v.length} -> ${fix.max} characters`;
  }
  if (fix.kind === "array" && Array.isArray(v) && v.length > fix.max) {
    slot[key] = v.slice(0, fix.max);
    return `${where}: ${v.length} -> ${fix.max} items`;
  }
  if (fix.kind === "record" && typeof v === "object" && v !== null && !Array.isArray(v)) {
    const entries = Object.entries(v);
    if (entries.length <= fix.max) return null;
    slot[key] = Object.fromEntries(entries.slice(0, fix.max));
    return `${where}: ${entries.length} -> ${fix.max} entries`;
  }
  return null;
}

function cutString(s: string, max: number, keepEnd: boolean): string {
  const keep = Math.max(0, max - CUT_MARKER.length - 1);
  return keepEnd ? `${CUT_MARKER}\n${s.slice(s.length - keep)}` : `${s.slice(0, keep)} ${CUT_MARKER}`;
}
