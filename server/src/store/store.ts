import type { EventMessage, HealthMessage, HeartbeatMessage } from "@uplink/shared";
import type { CommandLifecycleState, CommandRecord, DeviceState } from "../state/types.ts";

/**
 * Everything the server keeps. Small on purpose, synchronous (better-sqlite3 is), and free of SQL
 * in its signatures, so that a PostgreSQL implementation is one more module.
 */
export interface Store {
  addDevice(deviceId: string, passwordHash: string, createdAt: string): void;
  setDevicePassword(deviceId: string, passwordHash: string): void;
  getDevicePasswordHash(deviceId: string): string | null;
  listDeviceIds(): string[];

  addToken(token: TokenRow): void;
  getToken(id: string): TokenRow | null;
  listTokens(): Array<Omit<TokenRow, "hash">>;

  saveDeviceStates(states: readonly DeviceState[]): void;
  loadDeviceStates(): DeviceState[];

  appendEvent(deviceId: string, receivedAt: string, event: EventMessage): void;
  listEvents(q: SeriesQuery & { type?: string }): Page<Stored<EventMessage>>;
  appendHealth(deviceId: string, receivedAt: string, health: HealthMessage): void;
  listHealth(q: SeriesQuery): Page<Stored<HealthMessage>>;
  appendHeartbeat(deviceId: string, receivedAt: string, heartbeat: HeartbeatMessage): void;
  listHeartbeats(q: SeriesQuery): Page<Stored<HeartbeatMessage>>;
  /** Keeps one heartbeat per device and bucket among those older than `beforeMs`; returns how many went. */
  downsampleHeartbeats(beforeMs: number, bucketMs: number): number;

  saveCommand(cmd: CommandRecord): void;
  getCommand(id: string): CommandRecord | null;
  listCommands(q: { deviceId?: string; state?: CommandLifecycleState; limit: number; cursor?: string | null }): Page<CommandRecord>;
  listOpenCommands(): CommandRecord[];

  close(): void;
}

export interface TokenRow {
  id: string;
  name: string;
  hash: string;
  createdAt: string;
}

export interface SeriesQuery {
  deviceId: string;
  /** Inclusive bounds, epoch milliseconds of the server's receipt. */
  sinceMs?: number;
  untilMs?: number;
  limit: number;
  /** Opaque: the `nextCursor` of the previous page. Pages go newest first. */
  cursor?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Stored<T> {
  receivedAt: string;
  message: T;
}
