import type {
  CommandResponse,
  Diagnosis,
  EventMessage,
  HeartbeatMessage,
  HealthMessage,
  LayerName,
  StatusMessage,
} from "@uplink/shared";

/** Where a command is, as the API shows it. `pending` until the device answers. */
export const COMMAND_LIFECYCLE = ["pending", "accepted", "succeeded", "failed", "rejected", "timed-out", "expired"] as const;
export type CommandLifecycleState = (typeof COMMAND_LIFECYCLE)[number];
export const FINAL_LIFECYCLE_STATES: readonly CommandLifecycleState[] = [
  "succeeded",
  "failed",
  "rejected",
  "timed-out",
  "expired",
];

export interface CommandRecord {
  id: string;
  deviceId: string;
  name: string;
  args: Record<string, unknown>;
  issuedAt: string;
  expiresAt: string;
  issuedBy: string;
  state: CommandLifecycleState;
  /** The latest progress step or the reason of a rejection or failure. */
  detail: string | null;
  updatedAt: string;
  responses: CommandResponse[];
}

/** One boot's account of its seq numbers. */
export interface BootReceipt {
  bootId: string;
  /** Highest seq seen of this boot. */
  maxSeq: number;
  /** Seqs below maxSeq not seen yet (bounded: see MAX_MISSING). */
  missing: number[];
  /**
   * Seqs below this one that never arrived are not gaps: the first boot of a device the server
   * sees counts from the first seq it sees (the server may have started after the device), yet an
   * earlier one may still come late (another replica's session held it) and is then counted.
   */
  countFrom: number;
  /** Seq 1 (the last will, or the clean `offline` in its place) has arrived. */
  willSeen: boolean;
  /** The device's time of the newest message of this boot: orders boots that arrive out of order. */
  lastTs: string;
}

/** Per device: the receipt of its seq numbers, so that "nothing lost" is a number. */
export interface SeqReceipt {
  /** The current boot: the newest one seen. */
  bootId: string | null;
  /** The boots whose messages are still taken, newest first (bounded: see MAX_BOOTS). */
  boots: BootReceipt[];
  /** Boots too old to keep an account of: their messages are stale, not a new boot. */
  retired: string[];
  received: number;
  duplicates: number;
  /** Messages missing for good: counted when a seq is skipped, uncounted if it arrives late. */
  gaps: number;
  /** Messages of a retired boot. */
  stale: number;
  /** Messages refused because their seq jumped implausibly far (see MAX_SEQ_JUMP). */
  anomalies: number;
}

export type LinkRootCauses = Record<string, LayerName | null>;

export interface DeviceState {
  deviceId: string;
  /** From status and heartbeat age: true only while the device says online and keeps beating. */
  online: boolean;
  status: "online" | "offline" | "unknown";
  statusReason: string | null;
  agentVersion: string | null;
  bootId: string | null;
  /** Server time of the last message of any kind. */
  lastSeenAt: string | null;
  lastHeartbeatAt: string | null;
  activeLink: string | null;
  uptimeS: number | null;
  signal: HeartbeatMessage["signal"] | null;
  system: HeartbeatMessage["system"] | null;
  links: HeartbeatMessage["links"] | null;
  /** The device's own count of heartbeats it shed on purpose (outbox full), this boot. */
  outbox: HeartbeatMessage["outbox"] | null;
  /** Whether the device's data dir takes writes (its outbox and journal on disk); null: not reported. */
  storage: HeartbeatMessage["storage"] | null;
  /** The last health report as the agent published it (envelope fields included). */
  health: HealthMessage | null;
  healthAt: string | null;
  /** `firstFailingLayer` per link and for `host`: the root cause, read from `health`. */
  rootCause: LinkRootCauses;
  recentEvents: EventMessage[];
  commandsInFlight: string[];
  seq: SeqReceipt;
}

export interface FleetState {
  devices: Record<string, DeviceState>;
  /** Commands not final yet, by id. Final ones live in the store only. */
  commands: Record<string, CommandRecord>;
}

export type FleetMessage =
  | { kind: "device.registered"; deviceId: string }
  | { kind: "seq.observed"; deviceId: string; receipt: SeqReceipt }
  | { kind: "status"; receivedAt: string; message: StatusMessage }
  | { kind: "heartbeat"; receivedAt: string; message: HeartbeatMessage }
  | { kind: "health"; receivedAt: string; message: HealthMessage }
  | { kind: "event"; receivedAt: string; message: EventMessage }
  | { kind: "command.updated"; command: CommandRecord }
  | { kind: "tick"; now: string; offlineAfterMs: number };

export type { Diagnosis };
