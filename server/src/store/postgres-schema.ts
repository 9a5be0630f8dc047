/**
 * The PostgreSQL schema, one migration per entry (the count is in `uplink_schema`). Append, never
 * edit. Messages are unique by (device_id, boot_id, seq): that is what lets several replicas, or a
 * redelivery after a crash, store each device message once.
 */
export const PG_MIGRATIONS: readonly string[] = [
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
  CREATE INDEX device_state_updated ON device_state (updated_at);
  CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    device_id TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at_ms BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    type TEXT NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (device_id, boot_id, seq)
  );
  CREATE INDEX events_device_at ON events (device_id, at_ms);
  CREATE TABLE health (
    id BIGSERIAL PRIMARY KEY,
    device_id TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at_ms BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (device_id, boot_id, seq)
  );
  CREATE INDEX health_device_at ON health (device_id, at_ms);
  CREATE TABLE heartbeats (
    id BIGSERIAL PRIMARY KEY,
    device_id TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at_ms BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (device_id, boot_id, seq)
  );
  CREATE INDEX heartbeats_device_at ON heartbeats (device_id, at_ms);
  CREATE TABLE commands (
    id TEXT PRIMARY KEY,
    seq BIGSERIAL NOT NULL,
    device_id TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX commands_device ON commands (device_id, seq);
  CREATE INDEX commands_state ON commands (state);
  `,
  // The seq receipt of each device, committed with the message it counts.
  `
  CREATE TABLE seq_receipts (
    device_id TEXT PRIMARY KEY,
    json TEXT NOT NULL
  );
  `,
  // Alerts: one row per occurrence, updated in place when it resolves.
  `
  CREATE TABLE alerts (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    device_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    state TEXT NOT NULL,
    fired_ms BIGINT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX alerts_device ON alerts (device_id, seq);
  CREATE INDEX alerts_state ON alerts (state);
  `,
  // Presence: one row per change of a device's online state or link, written by the server as
  // its fleet state changes; heartbeats are downsampled past 7 days, these rows never are.
  `
  CREATE TABLE presence (
    id BIGSERIAL PRIMARY KEY,
    device_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    online INTEGER NOT NULL,
    link TEXT,
    cause TEXT
  );
  CREATE INDEX presence_device_at ON presence (device_id, at_ms);
  `,
  // Statuses, stored once per (device, boot, seq) like every other device message.
  `
  CREATE TABLE statuses (
    id BIGSERIAL PRIMARY KEY,
    device_id TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE UNIQUE INDEX statuses_device_boot_seq ON statuses (device_id, boot_id, seq);
  CREATE INDEX statuses_device_at ON statuses (device_id, at_ms);
  `,
];
