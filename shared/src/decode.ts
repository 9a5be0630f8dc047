import type { z } from "zod";
import { BOUNDS } from "./bounds.ts";
import { nestsDeeperThan } from "./json-depth.ts";
import { MAX_PAYLOAD_BYTES } from "./messages.ts";

export type DecodeResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: "oversized" | "too-deep" | "not-json" | "schema"; message: string };

/**
 * Turns an MQTT payload into a typed message or a reason it is not one. Never throws: every
 * boundary counts and logs the reason instead of crashing on what the network sent.
 */
export function decodePayload<S extends z.ZodType>(
  schema: S,
  payload: Uint8Array | string,
  maxBytes = MAX_PAYLOAD_BYTES,
  maxDepth: number = BOUNDS.depth,
): DecodeResult<z.infer<S>> {
  const size = typeof payload === "string" ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > maxBytes) {
    return { ok: false, reason: "oversized", message: `payload of ${size} bytes exceeds ${maxBytes}` };
  }
  const text = typeof payload === "string" ? payload : Buffer.from(payload).toString("utf8");
  // Before parsing: nothing deeper than this is ever a value anywhere in the server.
  if (nestsDeeperThan(text, maxDepth)) {
    return { ok: false, reason: "too-deep", message: `nests arrays or objects deeper than ${maxDepth} levels` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: "not-json", message: (err as Error).message };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? issue.path.join(".") : "(root)";
    return { ok: false, reason: "schema", message: `${where}: ${issue?.message ?? "invalid"}` };
  }
  return { ok: true, value: parsed.data };
}
