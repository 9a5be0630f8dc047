import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import type { Channel, Topics } from "@uplink/shared";
import { SERVER_CLIENT_ID } from "../auth/principal.ts";
import { UplinkError } from "../errors.ts";

/** The channels the server reads from every device. */
export const INGEST_CHANNELS: readonly Channel[] = ["status", "heartbeat", "health", "events", "cmd/res"];

export interface BrokerConnection {
  url: string;
  username: string;
  password: string;
  /** Stable by default so that an external broker keeps the session (and queues) across restarts. */
  clientId?: string;
  /** Replicas: subscribe as `$share/{shareGroup}/{filter}`, the broker splitting messages among them. */
  shareGroup?: string;
  /**
   * Subscribe to the devices' channels (an external broker). The embedded broker hands device
   * messages to ingest before acknowledging them, so the server's client only publishes there.
   */
  ingest?: boolean;
}

export interface ServerClient {
  readonly connected: boolean;
  publish(topic: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The server's own MQTT connection: the same code for the embedded broker and an external one.
 * Subscribes each ingest channel at QoS 1 with a persistent session; hands every message to
 * `onMessage` with the server's receive time, and acknowledges it only after `onMessage` has
 * stored it: on `retry` (the store failed) the connection is dropped unacknowledged, and the
 * broker sends the message again on the next one.
 */
export async function connectServerClient(
  conn: BrokerConnection,
  topics: Topics,
  logger: Logger,
  onMessage: (topic: string, payload: Buffer, done: (answer: "ack" | "retry") => void) => void,
): Promise<ServerClient> {
  const client: MqttClient = mqtt.connect(conn.url, {
    clientId: conn.clientId ?? SERVER_CLIENT_ID,
    username: conn.username,
    password: conn.password,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  // mqtt.js sends the PUBACK when this calls back [handlers/publish.js]: after the store commit.
  client.handleMessage = (packet, callback) => {
    if (packet.cmd !== "publish") return callback();
    const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    onMessage(packet.topic, payload, (answer) => {
      if (answer === "retry") client.stream?.destroy();
      else callback();
    });
  };
  client.on("error", (err) => logger.warn({ err: err.message }, "server MQTT client error"));
  client.on("offline", () => logger.warn("server MQTT client offline; reconnecting"));
  client.on("connect", (ack) => {
    // mqtt.js writes a packet in several small chunks; with Nagle on, the rest of a command waited
    // ~40 ms for the broker's delayed ACK.
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    logger.info({ url: conn.url, sessionPresent: ack.sessionPresent }, "server MQTT client connected");
    // Subscribe on every connect: a broker that lost our session (restart, clean start) must get
    // the subscriptions again.
    if (conn.ingest === false) return;
    const share = conn.shareGroup ? `$share/${conn.shareGroup}/` : "";
    const subs = Object.fromEntries(INGEST_CHANNELS.map((c) => [`${share}${topics.allDevices(c)}`, { qos: 1 as const }]));
    client.subscribe(subs, (err, granted) => {
      if (err) logger.error({ err: err.message }, "subscribing to device topics failed");
      const refused = (granted ?? []).filter((g) => g.qos === 128);
      if (refused.length) logger.error({ topics: refused.map((g) => g.topic) }, "the broker refused the server's subscriptions");
    });
  });

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end(true);
      reject(new UplinkError("UPLINK_BROKER_UNAVAILABLE", `no connection to ${conn.url} within 10 s`, { url: conn.url }));
    }, 10_000);
    client.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
  });

  return {
    get connected() {
      return client.connected;
    },
    publish(topic, payload) {
      return new Promise((resolve, reject) => {
        // QoS 1: mqtt.js keeps it in its outgoing store while disconnected and sends it on reconnect.
        client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
      });
    },
    close() {
      return new Promise((resolve) => client.end(false, {}, () => resolve()));
    },
  };
}
