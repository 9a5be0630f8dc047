import {
  checkCommand,
  commandRequestSchema,
  decodePayload,
  type CommandName,
  type CommandRequest,
  type RejectionReason,
  type Topics,
} from "@uplink/shared";

export type Verdict =
  | { kind: "ignore"; why: string }
  | { kind: "reject"; requestId: string; name: string; reason: RejectionReason; message: string }
  | { kind: "accept"; request: CommandRequest; name: CommandName; args: Record<string, unknown> };

export interface JudgeContext {
  deviceId: string;
  topics: Topics;
  /** The configured links: the only interfaces a command may name. */
  links: readonly string[];
  now: number;
}

/** The request id to answer under, when the payload has a usable one; "unknown" otherwise. */
function salvageId(payload: Buffer): { id: string; name: string } {
  if (payload.byteLength > 64 * 1024) return { id: "unknown", name: "unknown" };
  try {
    const value = JSON.parse(payload.toString("utf8")) as Record<string, unknown>;
    const id = typeof value?.id === "string" && value.id.length <= 64 ? value.id : "unknown";
    const name = typeof value?.name === "string" && value.name.length <= 64 ? value.name : "unknown";
    return { id, name };
  } catch {
    return { id: "unknown", name: "unknown" };
  }
}

/**
 * What to do with a message on a command topic, before any lock or journal is consulted. Pure and
 * total: any topic and any bytes give a verdict, never an exception.
 */
export function judgeRequest(topic: string, payload: Buffer, ctx: JudgeContext): Verdict {
  const parsedTopic = ctx.topics.parse(topic);
  if (!parsedTopic || parsedTopic.channel !== "cmd/req") return { kind: "ignore", why: `not a command topic: ${topic.slice(0, 100)}` };
  if (parsedTopic.deviceId !== ctx.deviceId) return { kind: "ignore", why: `a command for ${parsedTopic.deviceId}, not for this device` };
  const decoded = decodePayload(commandRequestSchema, payload);
  if (!decoded.ok) {
    const { id, name } = salvageId(payload);
    return { kind: "reject", requestId: id, name, reason: "invalid", message: `${decoded.reason}: ${decoded.message.slice(0, 300)}` };
  }
  const request = decoded.value;
  if (Date.parse(request.expiresAt) <= ctx.now) {
    return { kind: "reject", requestId: request.id, name: request.name, reason: "expired", message: `expired at ${request.expiresAt}` };
  }
  const check = checkCommand(request.name, request.args);
  if (!check.ok) return { kind: "reject", requestId: request.id, name: request.name, reason: check.reason, message: check.message };
  const iface = check.args.iface;
  if (typeof iface === "string" && !ctx.links.includes(iface)) {
    return {
      kind: "reject",
      requestId: request.id,
      name: request.name,
      reason: "invalid",
      message: `${request.name}: args.iface: ${iface} is not a configured link (${ctx.links.join(", ")})`,
    };
  }
  return { kind: "accept", request, name: check.name, args: check.args };
}
