import { createServer, type Server, type AddressInfo } from "node:net";
import mqtt, { type MqttClient } from "mqtt";

export interface TestBroker {
  port: number;
  close(): Promise<void>;
}

/** An aedes broker in this process, on port 0 the first time and on `port` when restarted. */
export async function startBroker(port = 0): Promise<TestBroker> {
  const { Aedes } = await import("aedes");
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  let closed = false;
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      if (closed) return;
      closed = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}

export interface Received {
  topic: string;
  message: Record<string, unknown>;
  retain: boolean;
}

/** An operator-side client that records every message under the root and can send commands. */
export async function startObserver(port: number, clientId = `observer-${Math.random().toString(16).slice(2)}`): Promise<{
  client: MqttClient;
  received: Received[];
  waitFor(pred: (r: Received) => boolean, timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
}> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId, clean: false, reconnectPeriod: 200, protocolVersion: 4 });
  const received: Received[] = [];
  const listeners = new Set<() => void>();
  client.on("message", (topic, payload, packet) => {
    try {
      received.push({ topic, message: JSON.parse(payload.toString()) as Record<string, unknown>, retain: packet.retain });
    } catch {
      received.push({ topic, message: { raw: payload.toString() }, retain: packet.retain });
    }
    for (const l of listeners) l();
  });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  await client.subscribeAsync("uplink/v1/#", { qos: 1 });
  return {
    client,
    received,
    waitFor(pred, timeoutMs = 10_000) {
      const hit = received.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting; received ${received.length} messages`));
        }, timeoutMs);
        const check = () => {
          const found = received.find(pred);
          if (found) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(found);
          }
        };
        listeners.add(check);
      });
    },
    close: () => client.endAsync(true),
  };
}
