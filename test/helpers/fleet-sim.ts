import { randomUUID } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import { commandRequestSchema, createTopics, DEFAULT_TOPIC_ROOT, type Channel, type CommandRequest, type Topics } from "@uplink/shared";
import { eventMessage, healthMessage, heartbeatMessage, responseMessage, statusMessage } from "../unit/server/messages.ts";

/**
 * Many lightweight simulated devices in one process, each a real mqtt.js connection speaking the
 * wire contract (messages built to the shared schemas, topics from `createTopics`): a retained
 * `online` status and last will, heartbeats at an interval with jitter, now and then an event or a
 * health change, and commands answered `accepted` then `succeeded`. No diagnosis, no executor: it
 * is load and protocol, for benchmarks and scale tests (test/helpers/sim-device.ts is the rich one).
 *
 * Every message carries `ts` = the moment it is handed to mqtt.js, so a server can measure the
 * publish-to-state delay without talking to the simulator.
 */
export interface FleetDevice {
  deviceId: string;
  password: string;
}

export interface FleetSimOptions {
  mqttUrl: string;
  devices: readonly FleetDevice[];
  heartbeatMs: number;
  /** Each interval is heartbeatMs * (1 ± jitter), so that a fleet does not beat in lockstep. */
  jitter?: number;
  /** Every n-th message of a device is an event (link.changed) instead of a heartbeat; 0: never. */
  eventEvery?: number;
  /** Every n-th message of a device is a health report whose cellular root cause flips; 0: never. */
  healthEvery?: number;
  /** New connections per second (a connect storm is its own benchmark). */
  connectPerSecond?: number;
  /** Between `accepted` and `succeeded`. */
  commandStepMs?: number;
  topicRoot?: string;
  /** Set false to connect without publishing until `start()` (e.g. to connect a fleet, then measure). */
  autoStart?: boolean;
}

export interface FleetStats {
  connected: number;
  connectFailures: number;
  published: Record<string, number>;
  publishFailures: number;
  commandsReceived: number;
  commandsAnswered: number;
}

export interface FleetSim {
  /** Resolves when every device is connected (or failed to). */
  readonly ready: Promise<void>;
  stats(): FleetStats;
  /** What each device has published and the broker acknowledged: its boot and last seq. */
  acknowledged(): Map<string, { bootId: string; lastSeq: number; acked: number; sent: number; heartbeats: number }>;
  start(): void;
  /** Changes every device's heartbeat interval from its next beat on. */
  setHeartbeatMs(ms: number): void;
  /** Stops publishing (connections stay). */
  pause(): void;
  stop(): Promise<void>;
}

interface Sim {
  deviceId: string;
  bootId: string;
  seq: number;
  acked: number;
  sent: number;
  lastAckedSeq: number;
  heartbeats: number;
  wwanFailing: boolean;
  client: MqttClient | null;
  timer: NodeJS.Timeout | null;
  seen: Set<string>;
}

export function startFleetSim(o: FleetSimOptions): FleetSim {
  const topics: Topics = createTopics(o.topicRoot ?? DEFAULT_TOPIC_ROOT);
  const jitter = o.jitter ?? 0.1;
  const eventEvery = o.eventEvery ?? 20;
  const healthEvery = o.healthEvery ?? 50;
  const stepMs = o.commandStepMs ?? 50;
  let heartbeatMs = o.heartbeatMs;
  let running = false;
  let stopped = false;
  const stats: FleetStats = { connected: 0, connectFailures: 0, published: {}, publishFailures: 0, commandsReceived: 0, commandsAnswered: 0 };
  const sims: Sim[] = o.devices.map((d) => ({
    deviceId: d.deviceId,
    bootId: `boot-${randomUUID()}`,
    seq: 0,
    acked: 0,
    sent: 0,
    lastAckedSeq: 0,
    heartbeats: 0,
    wwanFailing: false,
    client: null,
    timer: null,
    seen: new Set(),
  }));

  function publish(s: Sim, channel: Channel, body: { seq: number }, retain = false): void {
    const client = s.client;
    if (!client || stopped) return;
    stats.published[channel] = (stats.published[channel] ?? 0) + 1;
    s.sent += 1;
    client.publish(topics.device(s.deviceId, channel), JSON.stringify(body), { qos: 1, retain }, (err) => {
      if (err) {
        stats.publishFailures += 1;
        return;
      }
      s.acked += 1;
      if (body.seq > s.lastAckedSeq) s.lastAckedSeq = body.seq;
    });
  }

  /** One message of the device's routine: mostly heartbeats, an event or a health change now and then. */
  function beat(s: Sim): void {
    const seq = ++s.seq;
    if (healthEvery > 0 && seq % healthEvery === 0) {
      s.wwanFailing = !s.wwanFailing;
      publish(s, "health", healthMessage(s.deviceId, seq, s.wwanFailing ? "session" : null, s.bootId), true);
    } else if (eventEvery > 0 && seq % eventEvery === 0) {
      publish(s, "events", eventMessage(s.deviceId, seq, s.bootId));
    } else {
      s.heartbeats += 1;
      publish(s, "heartbeat", heartbeatMessage(s.deviceId, seq, s.bootId));
    }
  }

  function schedule(s: Sim, firstMs?: number): void {
    if (!running || stopped) return;
    const ms = firstMs ?? heartbeatMs * (1 + jitter * (2 * Math.random() - 1));
    s.timer = setTimeout(() => {
      s.timer = null;
      beat(s);
      schedule(s);
    }, ms);
  }

  function answer(s: Sim, req: CommandRequest): void {
    stats.commandsReceived += 1;
    // QoS 1 may deliver a request twice; the agent answers a repeat once, so does the simulator.
    if (s.seen.has(req.id)) return;
    s.seen.add(req.id);
    publish(s, "cmd/res", responseMessage(s.deviceId, ++s.seq, req.id, req.name, "accepted", {}, s.bootId));
    setTimeout(() => {
      publish(s, "cmd/res", responseMessage(s.deviceId, ++s.seq, req.id, req.name, "succeeded", { message: `${req.name} done (simulated)` }, s.bootId));
      stats.commandsAnswered += 1;
    }, stepMs);
  }

  function connect(s: Sim, password: string): Promise<void> {
    return new Promise((resolve) => {
      const will = statusMessage(s.deviceId, ++s.seq, "offline", s.bootId);
      const client = mqtt.connect(o.mqttUrl, {
        clientId: s.deviceId,
        username: s.deviceId,
        password,
        protocolVersion: 4,
        clean: false,
        keepalive: 60,
        reconnectPeriod: 1000,
        connectTimeout: 30_000,
        will: { topic: topics.device(s.deviceId, "status"), payload: Buffer.from(JSON.stringify({ ...will, reason: "connection lost" })), qos: 1, retain: true },
      });
      let first = true;
      client.on("connect", () => {
        // As the agent does on every connect: a broker that restarted lost the subscription.
        // mqtt.js writes a packet in chunks, and Nagle held the rest ~40 ms.
        (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
        s.client = client;
        client.subscribe(topics.device(s.deviceId, "cmd/req"), { qos: 1 });
        publish(s, "status", statusMessage(s.deviceId, ++s.seq, "online", s.bootId), true);
        if (!first) return;
        first = false;
        stats.connected += 1;
        if (running) schedule(s, Math.random() * heartbeatMs);
        resolve();
      });
      client.on("message", (_topic, payload) => {
        let parsed;
        try {
          parsed = commandRequestSchema.safeParse(JSON.parse(payload.toString()));
        } catch {
          return;
        }
        if (parsed.success) setImmediate(() => answer(s, parsed.data));
      });
      client.on("error", (err) => {
        // A refused CONNACK (bad credentials) is final; anything else (a timeout in a connect storm)
        // is retried by mqtt.js, as an agent would.
        const refused = typeof (err as { code?: unknown }).code === "number";
        if (first && refused) {
          first = false;
          stats.connectFailures += 1;
          client.end(true);
          resolve();
        }
      });
    });
  }

  const passwords = new Map(o.devices.map((d) => [d.deviceId, d.password]));
  const perSecond = o.connectPerSecond ?? 500;
  const ready = (async () => {
    const pending: Promise<void>[] = [];
    const t0 = Date.now();
    for (let i = 0; i < sims.length && !stopped; i++) {
      const due = t0 + (i * 1000) / perSecond;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      pending.push(connect(sims[i]!, passwords.get(sims[i]!.deviceId)!));
    }
    await Promise.all(pending);
  })();

  function start(): void {
    if (running) return;
    running = true;
    // Spread the first beats over one interval, as a fleet that booted at random times would.
    for (const s of sims) if (s.client && !s.timer) schedule(s, Math.random() * heartbeatMs);
  }
  if (o.autoStart !== false) start();

  function clearTimers(): void {
    for (const s of sims) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = null;
    }
  }

  return {
    ready,
    stats: () => ({ ...stats, published: { ...stats.published } }),
    acknowledged: () =>
      new Map(sims.map((s) => [s.deviceId, { bootId: s.bootId, lastSeq: s.lastAckedSeq, acked: s.acked, sent: s.sent, heartbeats: s.heartbeats }])),
    start,
    setHeartbeatMs(ms) {
      heartbeatMs = ms;
      if (!running) return;
      clearTimers();
      for (const s of sims) if (s.client) schedule(s, Math.random() * ms);
    },
    pause() {
      running = false;
      clearTimers();
    },
    async stop() {
      running = false;
      stopped = true;
      clearTimers();
      await ready.catch(() => {});
      await Promise.all(sims.map((s) => (s.client ? s.client.endAsync(false).catch(() => {}) : Promise.resolve())));
    },
  };
}
