import { readFileSync } from "node:fs";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Logger } from "pino";
import type { AgentConfig } from "../config/schema.ts";
import type { Transport } from "./transport.ts";

export interface ConnectionOptions {
  config: AgentConfig;
  /** The retained `offline` status the broker publishes if this connection dies unannounced. */
  will: { topic: string; payload: string };
  /** Topics to subscribe to (QoS 1) on every connect. */
  subscriptions: string[];
  log: Logger;
}

function pem(path: string | undefined): Buffer | undefined {
  return path === undefined ? undefined : readFileSync(path);
}

export function clientOptions(o: ConnectionOptions): IClientOptions {
  const b = o.config.broker;
  return {
    clientId: o.config.deviceId,
    username: b.username,
    password: b.password,
    protocolVersion: 4,
    // A persistent session: commands published while the device is offline wait at the broker.
    clean: false,
    keepalive: b.keepaliveS,
    reconnectPeriod: b.reconnectS * 1000,
    connectTimeout: b.connectTimeoutS * 1000,
    will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: true },
    ...(b.ca ? { ca: pem(b.ca) } : {}),
    ...(b.cert ? { cert: pem(b.cert) } : {}),
    ...(b.key ? { key: pem(b.key) } : {}),
    rejectUnauthorized: true,
    // Nothing is queued inside mqtt.js while offline: the outbox holds it, on disk.
    queueQoSZero: false,
    // mqtt-packet otherwise fills a table of 65,536 two-byte Buffers (one per packet id) at the
    // first publish: ~8 MB of heap, a tenth of the agent's RSS, to save one 2-byte allocation a
    // message (a heap snapshot of the bundle found it).
    writeCache: false,
  };
}

/** mqtt.js behind the Transport interface. */
export function connectMqtt(o: ConnectionOptions): Transport {
  const client: MqttClient = mqtt.connect(o.config.broker.url, clientOptions(o));
  const connectHandlers: (() => void)[] = [];
  client.on("connect", (ack) => {
    // mqtt.js writes a packet in pieces: with Nagle's algorithm on, each PUBACK and command
    // response waited ~40 ms for the peer's delayed ACK (the server's profile showed it).
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    o.log.info({ event: "mqtt.connected", sessionPresent: ack.sessionPresent }, "connected to the broker");
    for (const topic of o.subscriptions) {
      client.subscribe(topic, { qos: 1 }, (err) => {
        if (err) o.log.warn({ event: "mqtt.subscribe-failed", topic, err: err.message }, "subscribe failed");
      });
    }
    for (const fn of connectHandlers) fn();
  });
  client.on("close", () => o.log.debug({ event: "mqtt.closed" }, "connection closed"));
  client.on("offline", () => o.log.info({ event: "mqtt.offline" }, "broker unreachable; holding messages in the outbox"));
  client.on("error", (err) => o.log.warn({ event: "mqtt.error", err: err.message }, "mqtt error"));
  return {
    get connected() {
      return client.connected;
    },
    publish(topic, payload, options) {
      return new Promise((resolve, reject) => {
        client.publish(topic, payload, { qos: 1, retain: options.retain }, (err) => (err ? reject(err) : resolve()));
      });
    },
    reconnect(reason) {
      if (!client.connected) return;
      o.log.info({ event: "mqtt.reconnect", reason }, "reconnecting over the new link");
      // mqtt.js sees the socket close and connects again after reconnectPeriod; unacknowledged
      // QoS 1 messages are sent again on the new connection (and stay in the outbox until then).
      client.stream?.destroy();
    },
    onConnect(fn) {
      connectHandlers.push(fn);
    },
    onMessage(fn) {
      client.on("message", (topic, payload) => fn(topic, payload));
    },
    end() {
      // Connected: a clean DISCONNECT, so the broker drops the last will. Offline: there is no
      // one to say goodbye to, and mqtt.js would otherwise wait for a connection that never comes.
      return new Promise((resolve) => {
        const timer = setTimeout(() => client.end(true, {}, () => resolve()), 2_000);
        client.end(!client.connected, {}, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
