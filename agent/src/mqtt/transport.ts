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
  /**
   * Drops the connection and opens a new one. A TCP connection keeps the source address of the
   * link it was opened on: once traffic moves to another link its packets go nowhere (the carrier's
   * NAT, the old link's dead upstream), and waiting for the keepalive to notice costs 1.5 of it.
   */
  reconnect?(reason: string): void;
  /** Ends the session; `clean` sends DISCONNECT so the broker drops the last will. */
  end(): Promise<void>;
}
