import Database from "better-sqlite3";
import { join } from "node:path";
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { normalizeReceipt } from "../../../server/src/ingest/seq-receipt.ts";
import {
  connectDevice,
  eventMessage,
  eventually,
  heartbeatMessage,
  publish,
  registerDevice,
  startTestServer,
  statusMessage,
  tempDir,
  topics,
} from "./helpers.ts";

/** What a server killed right now would find on disk: the stored heartbeats and the stored count of them. */
function onDisk(dataDir: string, deviceId: string): { stored: number; counted: number; gaps: number } {
  const db = new Database(join(dataDir, "uplink.db"), { readonly: true, fileMustExist: true });
  try {
    const stored = (db.prepare("SELECT COUNT(*) AS n FROM heartbeats WHERE device_id = ?").get(deviceId) as { n: number }).n;
    const row = db.prepare("SELECT json FROM seq_receipts WHERE device_id = ?").get(deviceId) as { json: string } | undefined;
    const state = db.prepare("SELECT state_json FROM device_state WHERE device_id = ?").get(deviceId) as { state_json: string } | undefined;
    const receipt = normalizeReceipt(row ? JSON.parse(row.json) : state ? JSON.parse(state.state_json).seq : undefined);
    return { stored, counted: receipt.received, gaps: receipt.gaps };
  } finally {
    db.close();
  }
}

describe("nothing the server acknowledged is lost or miscounted", () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function serverWithDevice(dataDir?: string) {
    const server = await startTestServer(dataDir ? { dataDir } : {});
    cleanups.push(() => server.close());
    const creds = await registerDevice(server, "pi-1");
    const pi = await connectDevice(server.mqttUrl, { clientId: "pi-1", ...creds, reconnectPeriod: 0 });
    cleanups.push(() => pi.endAsync(true));
    return { server, pi, creds };
  }

  it("has stored a message, and counted it on disk, by the time the broker acknowledges it", async () => {
    const data = tempDir();
    cleanups.push(() => data.remove());
    const { pi } = await serverWithDevice(data.dir);
    for (let seq = 2; seq <= 21; seq++) {
      await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", seq));
      // A SIGKILL now must find the message and its count together: no false gap, no silent loss.
      expect(onDisk(data.dir, "pi-1")).toEqual({ stored: seq - 1, counted: seq - 1, gaps: 0 });
    }
  });

  it("does not acknowledge or count a message the store failed to take, and takes it when it comes again", async () => {
    const { server, pi, creds } = await serverWithDevice();
    await publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 2));
    const append = server.store.appendHeartbeat;
    server.store.appendHeartbeat = () => {
      throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    };
    const closed = new Promise<void>((resolve) => pi.once("close", () => resolve()));
    const unacked = publish(pi, "pi-1", "heartbeat", heartbeatMessage("pi-1", 3)).then(
      () => "acknowledged",
      () => "not acknowledged",
    );
    await closed;
    expect(server.fleet.device("pi-1")!.seq).toMatchObject({ received: 1, gaps: 0 });
    expect(server.metrics.get("uplink_store_failures_total")).toBe(1);
    void unacked;

    server.store.appendHeartbeat = append;
    const again = await connectDevice(server.mqttUrl, { clientId: "pi-1", ...creds });
    cleanups.push(() => again.endAsync(true));
    await publish(again, "pi-1", "heartbeat", heartbeatMessage("pi-1", 3));
    expect(server.fleet.device("pi-1")!.seq).toMatchObject({ received: 2, gaps: 0 });
    expect(server.store.listHeartbeats({ deviceId: "pi-1", limit: 10 }).items).toHaveLength(2);
  });

  it("never counts as received a message it could not store, so its seq shows as a gap", async () => {
    const { server, pi } = await serverWithDevice();
    await publish(pi, "pi-1", "events", eventMessage("pi-1", 2));
    const append = server.store.appendEvent;
    server.store.appendEvent = () => {
      throw new RangeError("Maximum call stack size exceeded");
    };
    await publish(pi, "pi-1", "events", eventMessage("pi-1", 3));
    server.store.appendEvent = append;
    await publish(pi, "pi-1", "events", eventMessage("pi-1", 4));
    expect(server.fleet.device("pi-1")!.seq).toMatchObject({ received: 2, gaps: 1 });
    expect(server.metrics.get("uplink_messages_rejected_total", { reason: "unstorable" })).toBe(1);
  });

  it("delivers a command that was pending across a restart when the device comes back online", async () => {
    const data = tempDir();
    cleanups.push(() => data.remove());
    const first = await startTestServer({ dataDir: data.dir });
    const creds = await registerDevice(first, "pi-1");
    const cmd = await first.dispatcher.issue({ deviceId: "pi-1", name: "diagnose", args: {}, issuedBy: "test" });
    await first.close();

    const second = await startTestServer({ dataDir: data.dir });
    cleanups.push(() => second.close());
    const pi = await connectDevice(second.mqttUrl, { clientId: "pi-1", ...creds, clean: false });
    cleanups.push(() => pi.endAsync(true));
    const got = new Promise<string>((resolve) => pi.on("message", (_t, p) => resolve(JSON.parse(p.toString()).id)));
    await pi.subscribeAsync(topics.device("pi-1", "cmd/req"), { qos: 1 });
    // What the agent does once connected and subscribed.
    await publish(pi, "pi-1", "status", statusMessage("pi-1", 2, "online", "boot-after-restart"), true);
    expect(await got).toBe(cmd.id);
  });
});
