import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { createTopics, type Channel } from "@uplink/shared";
import { addDevice, addToken } from "../../../server/src/auth/credentials.ts";
import { OPERATOR_CLIENT_ID_PREFIX } from "../../../server/src/auth/principal.ts";
import { startServer, type RunningServer, type ServerOptions } from "../../../server/src/server.ts";

export { healthMessage, heartbeatMessage, statusMessage, eventMessage, responseMessage } from "../../unit/server/messages.ts";

export const topics = createTopics();

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "uplink-server-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startTestServer(opts: Partial<ServerOptions> = {}): Promise<RunningServer & { token: string }> {
  const server = await startServer({
    dataDir: null,
    httpPort: 0,
    listenHttp: false,
    mqttPort: 0,
    mqttHost: "127.0.0.1",
    ...opts,
  });
  const { token } = await addToken(server.store, `test-${Math.random().toString(36).slice(2, 8)}`);
  return Object.assign(server, { token });
}

export async function registerDevice(server: RunningServer, deviceId: string): Promise<{ username: string; password: string }> {
  const creds = await addDevice(server.store, deviceId);
  server.fleet.dispatch({ kind: "device.registered", deviceId });
  return creds;
}

/** Connects like the agent does: client id = device id, persistent session. Rejects on a refused CONNACK. */
export function connectDevice(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { protocolVersion: 4, clean: false, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    client.once("connect", () => resolve(client));
    client.once("error", (err) => {
      client.end(true);
      reject(err);
    });
  });
}

export function publish(client: MqttClient, deviceId: string, channel: Channel, payload: unknown, retain = false): Promise<void> {
  return client.publishAsync(topics.device(deviceId, channel), typeof payload === "string" ? payload : JSON.stringify(payload), { qos: 1, retain }).then(() => undefined);
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An operator's own MQTT client id: `_operator.<token id>[.<suffix>]`, the id from `upl_<id>_<secret>`. */
export function operatorClientId(token: string, suffix?: string): string {
  const id = token.split("_")[1]!;
  return `${OPERATOR_CLIENT_ID_PREFIX}${id}${suffix ? `.${suffix}` : ""}`;
}

export function auth(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
