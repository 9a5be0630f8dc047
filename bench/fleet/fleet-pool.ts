import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { FleetDevice, FleetSimOptions, FleetStats } from "../../test/helpers/fleet-sim.ts";
import type { AckedDevice, WorkerReply, WorkerRequest } from "./fleet-protocol.ts";

/**
 * The simulated fleet split over several processes (one mqtt.js client per device in each), driven
 * as one: connect, begin, change the heartbeat, read the summed stats and the generator's own CPU.
 */
export interface FleetPool {
  readonly size: number;
  begin(): void;
  setHeartbeatMs(ms: number): void;
  pause(): void;
  stats(): Promise<{ stats: FleetStats; cpuS: number; rssBytes: number }>;
  acknowledged(): Promise<Map<string, AckedDevice[1]>>;
  stop(): Promise<void>;
}

const WORKER = join(import.meta.dirname, "fleet-worker.ts");

function sum(list: FleetStats[]): FleetStats {
  const out: FleetStats = { connected: 0, connectFailures: 0, published: {}, publishFailures: 0, commandsReceived: 0, commandsAnswered: 0 };
  for (const s of list) {
    out.connected += s.connected;
    out.connectFailures += s.connectFailures;
    out.publishFailures += s.publishFailures;
    out.commandsReceived += s.commandsReceived;
    out.commandsAnswered += s.commandsAnswered;
    for (const [k, v] of Object.entries(s.published)) out.published[k] = (out.published[k] ?? 0) + v;
  }
  return out;
}

export async function startFleetPool(
  options: Omit<FleetSimOptions, "devices" | "autoStart">,
  devices: readonly FleetDevice[],
  workers: number,
): Promise<FleetPool> {
  const children: ChildProcess[] = [];
  const slices = Array.from({ length: workers }, (_, w) => devices.filter((_, i) => i % workers === w));

  function ask<T extends WorkerReply["type"]>(child: ChildProcess, req: WorkerRequest, want: T): Promise<Extract<WorkerReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerReply) => {
        if (m.type !== want) return;
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(m as Extract<WorkerReply, { type: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`fleet worker exited (${code}) before answering ${req.type}`));
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.send(req);
    });
  }

  await Promise.all(
    slices.map(async (slice) => {
      const child = fork(WORKER, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      children.push(child);
      await ask(child, { type: "start", options: { ...options, devices: slice } }, "ready");
    }),
  );
  const baseline = await Promise.all(children.map((c) => ask(c, { type: "stats" }, "stats")));
  const cpuAtStart = baseline.reduce((n, r) => n + r.cpu.user + r.cpu.system, 0);

  const broadcast = (req: WorkerRequest) => children.forEach((c) => c.send(req));
  return {
    size: devices.length,
    begin: () => broadcast({ type: "begin" }),
    setHeartbeatMs: (ms) => broadcast({ type: "heartbeat", ms }),
    pause: () => broadcast({ type: "pause" }),
    async stats() {
      const replies = await Promise.all(children.map((c) => ask(c, { type: "stats" }, "stats")));
      return {
        stats: sum(replies.map((r) => r.stats)),
        // Since the fleet was connected: what generating the load itself cost.
        cpuS: (replies.reduce((n, r) => n + r.cpu.user + r.cpu.system, 0) - cpuAtStart) / 1e6,
        rssBytes: replies.reduce((n, r) => n + r.rssBytes, 0),
      };
    },
    async acknowledged() {
      const replies = await Promise.all(children.map((c) => ask(c, { type: "acknowledged" }, "acknowledged")));
      return new Map(replies.flatMap((r) => r.devices));
    },
    async stop() {
      await Promise.all(
        children.map(async (c) => {
          if (c.exitCode !== null) return;
          const exited = new Promise((r) => c.once("exit", r));
          await ask(c, { type: "stop" }, "stopped").catch(() => {});
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
          if (c.exitCode === null) c.kill("SIGKILL");
        }),
      );
    },
  };
}
