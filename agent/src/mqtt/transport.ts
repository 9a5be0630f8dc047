/**
 * What the agent needs of an MQTT connection. mqtt.js sits behind it (connection.ts); tests of
 * the publisher and executor can hand in a fake.
 */
export interface Transport {
  readonly connected: boolean;
  /** Resolves on PUBACK (QoS 1); rejects when the client gives the message up. */
  publish(topic: string, payload: string, options: { retain: boolean }): Promise<void>;
  onConnect(fn: () => void): void;
  onMessage(fn: (topic: string, payload: Buffer) => void): void;
  /** Ends the session; `clean` sends DISCONNECT so the broker drops the last will. */
  end(): Promise<void>;
}
