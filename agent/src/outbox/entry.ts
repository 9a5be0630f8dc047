import { z } from "zod";

/** What an outbox entry is, which decides what a full outbox may shed. */
export const outboxClassSchema = z.enum(["heartbeat", "health", "event", "response", "status"]);
export type OutboxClass = z.infer<typeof outboxClassSchema>;

export const outboxEntrySchema = z.object({
  /** `bootId:seq` of the message: unique, and what the server dedupes on. */
  id: z.string(),
  cls: outboxClassSchema,
  topic: z.string(),
  /** The stamped message as sent: its bootId and seq stay those of the boot that made it. */
  payload: z.string(),
  retain: z.boolean(),
});
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;
