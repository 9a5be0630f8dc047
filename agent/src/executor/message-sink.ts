import type { Envelope } from "@uplink/shared";
import type { OutboxClass } from "../outbox/entry.ts";

/** The part of the Publisher the executor and the runtime use; tests hand in a recorder. */
export interface MessageSink {
  send<T extends object>(cls: OutboxClass, body: T): Envelope & T;
  whenDelivered(envelope: Envelope, timeoutMs: number): Promise<boolean>;
}
