import type { FleetSimOptions, FleetStats } from "../../test/helpers/fleet-sim.ts";

/** What the fleet pool and its worker processes say to each other over IPC. */
export type WorkerRequest =
  | { type: "start"; options: Omit<FleetSimOptions, "autoStart"> }
  | { type: "begin" }
  | { type: "heartbeat"; ms: number }
  | { type: "pause" }
  | { type: "stats" }
  | { type: "acknowledged" }
  | { type: "stop" };

export type AckedDevice = [string, { bootId: string; lastSeq: number; acked: number; sent: number; heartbeats: number }];

export type WorkerReply =
  | { type: "ready"; stats: FleetStats }
  | { type: "stats"; stats: FleetStats; cpu: NodeJS.CpuUsage; rssBytes: number }
  | { type: "acknowledged"; devices: AckedDevice[] }
  | { type: "stopped" };
