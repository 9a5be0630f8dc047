import { findKind } from "./registry.ts";
import type { ParseResult } from "./result.ts";

/**
 * Parses text as a named kind. The parsers never throw (a property test holds them to it); the
 * catch is the boundary's second line of defence, so that a parser bug is reported as a failed
 * parse with its reason instead of taking down the agent.
 */
export function parseText(kind: string, text: string): ParseResult<unknown> {
  const parser = findKind(kind);
  if (!parser) return { ok: false, error: `unknown kind "${kind}"` };
  try {
    return parser.parse(text);
  } catch (err) {
    return { ok: false, error: `the ${kind} parser failed: ${(err as Error).message}` };
  }
}
