import { randomUUID } from "node:crypto";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import {
  PROTOCOL_VERSION,
  commandRequestSchema,
  createTopics,
  type Channel,
  type CommandRequest,
  type Diagnosis,
  type EventMessage,
  type HeartbeatMessage,
} from "@uplink/shared";
import { diagnose } from "../../agent/src/diagnose/diagnose.ts";
import { readFacts } from "../../agent/src/diagnose/facts.ts";
import { defaultDiagnoseOptions } from "../../agent/src/diagnose/options.ts";
import { readSnapshotDir } from "../../agent/src/diagnose/snapshot.ts";

/**
 * A device for the dashboard's tests and screenshots: a real mqtt.js client speaking the shared
 * wire contract, whose health is the real agent's diagnosis of a real captured snapshot
 * (test/fixtures/snapshots/<name>). It is not the agent runtime: it has no executor, and a command
 * it is sent "works" by switching to another snapshot, so a test can watch a fix land.
 */
export const SNAPSHOTS_DIR = join(import.meta.dirname, "..", "fixtures", "snapshots");

export interface SimDeviceOptions {
  deviceId: string;
  password: string;
  mqttUrl: string;
  snapshot: string;
  heartbeatMs?: number;
  /** Commands this device runs: name -> the snapshot it is in afterwards. Others fail. */
  fixes?: Record<string, string>;
  /** How long each step of a command takes. */
  stepMs?: number;
}

export interface SimDevice {
  readonly deviceId: string;
  readonly diagnosis: Diagnosis;
  /** Re-diagnoses from another snapshot, publishes the health and a link.changed if the active link moved. */
  become(snapshot: string, reason?: string): Promise<void>;
  heartbeat(): Promise<void>;
  /** Drops the connection without DISCONNECT: the broker publishes the last will (offline). */
  crash(): void;
  /** Says offline (with `reason`, "shutdown" unless told) and disconnects. */
  stop(reason?: string): Promise<void>;
  readonly commands: CommandRequest[];
}

const topics = createTopics();

async function diagnosisOf(snapshot: string): Promise<{ diagnosis: Diagnosis; signal: HeartbeatMessage["signal"] }> {
  const snap = await readSnapshotDir(join(SNAPSHOTS_DIR, snapshot));
  const diagnosis = diagnose(snap, defaultDiagnoseOptions());
  const facts = readFacts(snap);
  const s = facts.signal as Record<string, unknown> | undefined;
  const signal = s && typeof s.radio === "string" ? (s as HeartbeatMessage["signal"]) : undefined;
  return { diagnosis, signal };
}

export async function startSimDevice(o: SimDeviceOptions): Promise<SimDevice> {
  const bootId = randomUUID();
  let seq = 0;
  const envelope = () => ({ v: PROTOCOL_VERSION as 1, deviceId: o.deviceId, bootId, seq: ++seq, ts: new Date().toISOString() });
  // Like the agent, the last will takes the boot's first envelope: it is fixed at connect.
  const willEnvelope = envelope();
  let current = await diagnosisOf(o.snapshot);
  const started = Date.now();
  const commands: CommandRequest[] = [];
  let beat = 0;
  // Cumulative byte counters per link, as the agent reads them: the link carrying traffic moves most.
  const counters = new Map<string, { rxBytes: number; txBytes: number }>();

  const client: MqttClient = await new Promise((resolve, reject) => {
    const c = mqtt.connect(o.mqttUrl, {
      clientId: o.deviceId,
      username: o.deviceId,
      password: o.password,
      protocolVersion: 4,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      will: {
        topic: topics.device(o.deviceId, "status"),
        payload: Buffer.from(JSON.stringify({ ...willEnvelope, state: "offline", reason: "connection lost" })),
        qos: 1,
        retain: true,
      },
    });
    c.once("connect", () => resolve(c));
    c.once("error", reject);
  });

  const publish = (channel: Channel, body: unknown, retain = false) =>
    client.publishAsync(topics.device(o.deviceId, channel), JSON.stringify(body), { qos: 1, retain }).then(() => undefined);

  const event = (e: Record<string, unknown>) => publish("events", { ...envelope(), ...e } as EventMessage);
  const health = () => publish("health", { ...envelope(), ...current.diagnosis }, true);

  async function heartbeat(): Promise<void> {
    beat += 1;
    const d = current.diagnosis;
    // Real captured values, moved a little each beat so the history plot has a shape.
    const wobble = (v: number | undefined, span: number) => (v === undefined ? undefined : Math.round((v + Math.sin(beat / 3) * span + ((beat * 7) % 5) - 2) * 10) / 10);
    const s = current.signal;
    const signal = s ? { ...s, rssiDbm: wobble(s.rssiDbm, 4), rsrpDbm: wobble(s.rsrpDbm, 5), snrDb: wobble(s.snrDb, 2) } : undefined;
    await publish("heartbeat", {
      ...envelope(),
      uptimeS: Math.round((Date.now() - started) / 1000) + 3600,
      activeLink: d.selection.active,
      links: Object.fromEntries(
        Object.keys(d.links).map((l) => {
          const c = counters.get(l) ?? { rxBytes: 0, txBytes: 0 };
          const active = l === d.selection.active;
          counters.set(l, { rxBytes: c.rxBytes + (active ? 48_000 : 300), txBytes: c.txBytes + (active ? 12_000 : 100) });
          return [l, { up: d.links[l]!.firstFailingLayer !== "interface", ...counters.get(l)! }];
        }),
      ),
      ...(signal ? { signal } : {}),
      system: { cpuTempC: 48.3, underVoltageNow: false, load1: 0.21 },
      outbox: { depth: 0, dropped: 0 },
    } satisfies HeartbeatMessage);
  }

  async function become(snapshot: string, reason = `now ${snapshot}`): Promise<void> {
    const before = current.diagnosis.selection.active;
    current = await diagnosisOf(snapshot);
    const after = current.diagnosis.selection.active;
    if (before !== after) await event({ type: "link.changed", from: before, to: after, reason });
    await health();
    await heartbeat();
  }

  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function run(req: CommandRequest): Promise<void> {
    const respond = (state: string, extra: Record<string, unknown> = {}) =>
      publish("cmd/res", { ...envelope(), requestId: req.id, name: req.name, state, ...extra });
    const target = o.fixes?.[req.name] ?? (req.name === "diagnose" ? null : undefined);
    if (target === undefined) {
      await respond("rejected", { reason: "unsupported", message: `${req.name} is not simulated here` });
      return;
    }
    await respond("accepted");
    await wait(o.stepMs ?? 300);
    await respond("progress", { step: `running ${req.name}` });
    await wait(o.stepMs ?? 300);
    if (target) await become(target, `${req.name} fixed it`);
    await respond("succeeded", { message: `${req.name} done`, output: `${req.name} ${JSON.stringify(req.args)}: done (simulated)`, health: current.diagnosis });
  }

  client.on("message", (topic, payload) => {
    const parsed = commandRequestSchema.safeParse(JSON.parse(payload.toString()));
    if (!parsed.success) return;
    commands.push(parsed.data);
    void run(parsed.data).catch(() => {});
  });
  await client.subscribeAsync(topics.device(o.deviceId, "cmd/req"), { qos: 1 });

  await publish("status", { ...envelope(), state: "online", agentVersion: "0.1.0-sim" }, true);
  await event({ type: "agent.started", agentVersion: "0.1.0-sim", links: Object.keys(current.diagnosis.links) });
  await health();
  await heartbeat();
  const timer = setInterval(() => void heartbeat().catch(() => {}), o.heartbeatMs ?? 2000);

  return {
    deviceId: o.deviceId,
    get diagnosis() {
      return current.diagnosis;
    },
    commands,
    become,
    heartbeat,
    crash() {
      clearInterval(timer);
      client.stream.destroy();
      client.end(true);
    },
    async stop(reason = "shutdown") {
      clearInterval(timer);
      if (client.connected) {
        await publish("status", { ...envelope(), state: "offline", reason }, true).catch(() => {});
      }
      await client.endAsync().catch(() => {});
    },
  };
}
