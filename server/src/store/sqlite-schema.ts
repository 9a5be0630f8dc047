/**
 * The SQLite schema, one migration per entry; `PRAGMA user_version` records how many ran. Append,
 * never edit: a deployed data directory has run the old ones.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE device_state (
    device_id TEXT PRIMARY KEY,
    state_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    type TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX events_device_at ON events (device_id, at_ms);
  CREATE TABLE health (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX health_device_at ON health (device_id, at_ms);
  CREATE TABLE heartbeats (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX heartbeats_device_at ON heartbeats (device_id, at_ms);
  CREATE TABLE commands (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX commands_device ON commands (device_id, seq);
  CREATE INDEX commands_state ON commands (state);
  `,
  // Messages unique by (device, boot, seq): a redelivery is stored once. Rows from before have
  // NULLs, which a unique index never compares equal.
  `
  ALTER TABLE events ADD COLUMN boot_id TEXT;
  ALTER TABLE events ADD COLUMN seq INTEGER;
  CREATE UNIQUE INDEX events_device_boot_seq ON events (device_id, boot_id, seq);
  ALTER TABLE health ADD COLUMN boot_id TEXT;
  ALTER TABLE health ADD COLUMN seq INTEGER;
  CREATE UNIQUE INDEX health_device_boot_seq ON health (device_id, boot_id, seq);
  ALTER TABLE heartbeats ADD COLUMN boot_id TEXT;
  ALTER TABLE heartbeats ADD COLUMN seq INTEGER;
  CREATE UNIQUE INDEX heartbeats_device_boot_seq ON heartbeats (device_id, boot_id, seq);
  CREATE INDEX device_state_updated ON device_state (updated_at);
  `,
  // The seq receipt of each device, committed with the message it counts (device_state is
  // written behind, once a second, and would lag it after a crash).
  `
  CREATE TABLE seq_receipts (
    device_id TEXT PRIMARY KEY,
    json TEXT NOT NULL
  );
  `,
  // Alerts: one row per occurrence, updated in place when it resolves.
  `
  CREATE TABLE alerts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    device_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    state TEXT NOT NULL,
    fired_ms INTEGER NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX alerts_device ON alerts (device_id, seq);
  CREATE INDEX alerts_state ON alerts (state);
  `,
  // Presence: one row per change of a device's online state or link, written by the server as
  // its fleet state changes; heartbeats are downsampled past 7 days, these rows never are.
  `
  CREATE TABLE presence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    online INTEGER NOT NULL,
    link TEXT,
    cause TEXT
  );
  CREATE INDEX presence_device_at ON presence (device_id, at_ms);
  `,
  // Statuses, as every other device message: stored once per (device, boot, seq), so that a seq
  // the receipt counts is a row the fault suite (and an operator) can find.
  `
  CREATE TABLE statuses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE UNIQUE INDEX statuses_device_boot_seq ON statuses (device_id, boot_id, seq);
  CREATE INDEX statuses_device_at ON statuses (device_id, at_ms);
  `,
];
