import { commandResponseSchema, TERMINAL_COMMAND_STATES, type CommandResponse } from "@uplink/shared";
import { cmdTopic } from "./agent-harness.ts";
import type { startObserver } from "./broker.ts";

type Observer = Awaited<ReturnType<typeof startObserver>>;

export async function sendCommand(observer: Observer, req: object | string | Buffer): Promise<void> {
  const payload = typeof req === "string" || Buffer.isBuffer(req) ? req : JSON.stringify(req);
  await observer.client.publishAsync(cmdTopic, payload, { qos: 1 });
}

/** The responses to one request id, in the order they arrived. */
export function responsesTo(observer: Observer, requestId: string): CommandResponse[] {
  return observer.received
    .filter((r) => r.topic.endsWith("/cmd/res") && r.message.requestId === requestId)
    .map((r) => commandResponseSchema.parse(r.message));
}

export async function finalResponse(observer: Observer, requestId: string, timeoutMs = 15_000, nth = 1): Promise<CommandResponse> {
  const isFinal = (m: Record<string, unknown>) => m.requestId === requestId && (TERMINAL_COMMAND_STATES as readonly unknown[]).includes(m.state);
  await observer.waitFor(() => observer.received.filter((r) => r.topic.endsWith("/cmd/res") && isFinal(r.message)).length >= nth, timeoutMs);
  return commandResponseSchema.parse(observer.received.filter((r) => r.topic.endsWith("/cmd/res") && isFinal(r.message))[nth - 1]!.message);
}
