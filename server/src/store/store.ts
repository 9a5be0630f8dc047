import type { EventMessage, HealthMessage, HeartbeatMessage, StatusMessage } from "@uplink/shared";
import type { Alert } from "../alerts/alert.ts";
import type { PresenceRow } from "../history/presence.ts";
import type { CommandLifecycleState, CommandRecord, DeviceState, SeqReceipt } from "../state/types.ts";

/**
 * Everything the server keeps. Small on purpose, synchronous (better-sqlite3 is; the PostgreSQL
 * store waits on a worker thread, see postgres-sync.ts), and free of SQL in its signatures.
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
  /** Every stored device state, or those saved at or after `changedSince` (ISO time). */
  loadDeviceStates(changedSince?: string): DeviceState[];
  /**
   * Replicas sharing one store: reads the device's stored state under a lock, stores what `change`
   * returns (null: nothing) and releases the lock, in one transaction that also holds the appends
   * `change` makes. Does not nest.
   */
  updateDeviceState(deviceId: string, change: (stored: DeviceState | null) => DeviceState | null): DeviceState | null;

  /**
   * The appends store a device message once per (deviceId, bootId, seq): false when it was there
   * already (a redelivery, or another replica was first).
   */
  appendEvent(deviceId: string, receivedAt: string, event: EventMessage): boolean;
  listEvents(q: SeriesQuery & { type?: string }): Page<Stored<EventMessage>>;
  appendHealth(deviceId: string, receivedAt: string, health: HealthMessage): boolean;
  listHealth(q: SeriesQuery): Page<Stored<HealthMessage>>;
  appendHeartbeat(deviceId: string, receivedAt: string, heartbeat: HeartbeatMessage): boolean;
  appendStatus(deviceId: string, receivedAt: string, status: StatusMessage): boolean;
  listStatuses(q: SeriesQuery): Page<Stored<StatusMessage>>;
  listHeartbeats(q: SeriesQuery): Page<Stored<HeartbeatMessage>>;
  /** Keeps one heartbeat per device and bucket among those older than `beforeMs`; returns how many went. */
  downsampleHeartbeats(beforeMs: number, bucketMs: number): number;

  /**
   * Runs `work` in one transaction: everything it stores commits together or not at all. Ingest
   * stores a message and the seq receipt that counts it this way, so that a crash can never leave
   * a message counted and missing, or stored and counted missing. Inside `updateDeviceState` it
   * joins that transaction.
   */
  transaction<T>(work: () => T): T;
  /**
   * Inside `transaction`: one message's writes, so that their failure leaves the transaction usable
   * for the rest of the batch. PostgreSQL aborts a whole transaction on any error, so it needs a
   * savepoint; SQLite does not (a failed statement is undone alone), and a savepoint per message
   * cost a sixth of ingest's CPU there.
   */
  isolated<T>(work: () => T): T;
  /** The device's seq receipt, written with the message it counts (see `transaction`). */
  saveReceipt(deviceId: string, receipt: SeqReceipt): void;
  /** Every stored receipt; they are newer than the device states' copies (written behind). */
  loadReceipts(): Array<{ deviceId: string; receipt: unknown }>;

  saveCommand(cmd: CommandRecord): void;
  getCommand(id: string): CommandRecord | null;
  listCommands(q: { deviceId?: string; state?: CommandLifecycleState; limit: number; cursor?: string | null }): Page<CommandRecord>;
  listOpenCommands(): CommandRecord[];

  /** Stores an alert, or its new state (same id). */
  saveAlert(alert: Alert): void;
  /** Alerts newest first; `sinceMs` on when they fired. */
  listAlerts(q: AlertQuery): Page<Alert>;
  /** The alerts firing now, oldest first: what the evaluator resumes with after a restart. */
  listFiringAlerts(): Alert[];

  /** A change of a device's presence (online, link), for history that downsampling cannot blur. */
  appendPresence(deviceId: string, row: PresenceRow): void;
  /** The rows in [fromMs, untilMs), oldest first, and the last one before (the state at fromMs). */
  listPresence(deviceId: string, fromMs: number, untilMs: number): { before: PresenceRow | null; rows: PresenceRow[] };
  /** Each device's newest row: where a restarted server goes on from. */
  lastPresence(): Record<string, PresenceRow>;

  close(): void;
}

export interface AlertQuery {
  deviceId?: string;
  state?: Alert["state"];
  rule?: Alert["rule"];
  sinceMs?: number;
  limit: number;
  cursor?: string | null;
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
