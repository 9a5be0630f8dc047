import Database from "better-sqlite3";
import type { Alert } from "../alerts/alert.ts";
import { presenceRow } from "./presence-row.ts";
import { UplinkError } from "../errors.ts";
import { FINAL_LIFECYCLE_STATES, type CommandRecord, type DeviceState } from "../state/types.ts";
import { openSqliteFile } from "./sqlite-open.ts";
import { MIGRATIONS } from "./sqlite-schema.ts";
import { idFromCursor, page } from "./paging.ts";
import type { Page, SeriesQuery, Store, Stored, TokenRow } from "./store.ts";

type Row = Record<string, unknown>;

function migrate(db: Database.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * The SQLite store. WAL lets the CLI's `--data` commands write while the server runs;
 * synchronous=NORMAL is durable across a process crash and loses at most the last transactions
 * on a power cut, which the agents' outboxes and QoS 1 cover.
 */
export function openSqliteStore(file: string): Store {
  const db = openSqliteFile(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  migrate(db);

  const q = {
    addDevice: db.prepare("INSERT INTO devices (device_id, password_hash, created_at) VALUES (?, ?, ?)"),
    setPassword: db.prepare("UPDATE devices SET password_hash = ? WHERE device_id = ?"),
    getPassword: db.prepare("SELECT password_hash FROM devices WHERE device_id = ?"),
    deviceIds: db.prepare("SELECT device_id FROM devices ORDER BY device_id"),
    addToken: db.prepare("INSERT INTO tokens (id, name, hash, created_at) VALUES (?, ?, ?, ?)"),
    getToken: db.prepare("SELECT id, name, hash, created_at FROM tokens WHERE id = ?"),
    tokenByName: db.prepare("SELECT id FROM tokens WHERE name = ?"),
    tokens: db.prepare("SELECT id, name, created_at FROM tokens ORDER BY created_at"),
    saveState: db.prepare(
      "INSERT INTO device_state (device_id, state_json, updated_at) VALUES (?, ?, ?) " +
        "ON CONFLICT (device_id) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at",
    ),
    loadStates: db.prepare("SELECT state_json FROM device_state ORDER BY device_id"),
    loadStatesSince: db.prepare("SELECT state_json FROM device_state WHERE updated_at >= ? ORDER BY device_id"),
    getState: db.prepare("SELECT state_json FROM device_state WHERE device_id = ?"),
    addEvent: db.prepare(
      "INSERT INTO events (device_id, boot_id, seq, at_ms, received_at, type, json) VALUES (?, ?, ?, ?, ?, ?, ?) " +
        "ON CONFLICT (device_id, boot_id, seq) DO NOTHING",
    ),
    addHealth: db.prepare(
      "INSERT INTO health (device_id, boot_id, seq, at_ms, received_at, json) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, boot_id, seq) DO NOTHING",
    ),
    addStatus: db.prepare(
      "INSERT INTO statuses (device_id, boot_id, seq, at_ms, received_at, json) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, boot_id, seq) DO NOTHING",
    ),
    addHeartbeat: db.prepare(
      "INSERT INTO heartbeats (device_id, boot_id, seq, at_ms, received_at, json) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, boot_id, seq) DO NOTHING",
    ),
    saveCommand: db.prepare(
      "INSERT INTO commands (id, seq, device_id, name, state, issued_at, json) " +
        "VALUES (@id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM commands), @deviceId, @name, @state, @issuedAt, @json) " +
        "ON CONFLICT (id) DO UPDATE SET state = excluded.state, json = excluded.json",
    ),
    getCommand: db.prepare("SELECT json FROM commands WHERE id = ?"),
    saveReceipt: db.prepare("INSERT INTO seq_receipts (device_id, json) VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET json = excluded.json"),
    receipts: db.prepare("SELECT device_id, json FROM seq_receipts"),
    saveAlert: db.prepare(
      "INSERT INTO alerts (id, device_id, rule, state, fired_ms, json) VALUES (?, ?, ?, ?, ?, ?) " +
        "ON CONFLICT (id) DO UPDATE SET state = excluded.state, json = excluded.json",
    ),
    addPresence: db.prepare("INSERT INTO presence (device_id, at_ms, online, link, cause) VALUES (?, ?, ?, ?, ?)"),
    presenceIn: db.prepare("SELECT at_ms, online, link, cause FROM presence WHERE device_id = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id"),
    presenceBefore: db.prepare("SELECT at_ms, online, link, cause FROM presence WHERE device_id = ? AND at_ms < ? ORDER BY at_ms DESC, id DESC LIMIT 1"),
    lastPresence: db.prepare(
      "SELECT device_id, at_ms, online, link, cause FROM presence WHERE id IN (SELECT MAX(id) FROM presence GROUP BY device_id)",
    ),
    firingAlerts: db.prepare("SELECT json FROM alerts WHERE state = 'firing' ORDER BY seq"),
    openCommands: db.prepare(
      `SELECT json FROM commands WHERE state NOT IN (${FINAL_LIFECYCLE_STATES.map(() => "?").join(", ")}) ORDER BY seq`,
    ),
  };

  function series(table: "events" | "health" | "heartbeats" | "statuses", sq: SeriesQuery, type?: string): Page<Stored<never>> {
    const where = ["device_id = ?", "id < ?", "at_ms >= ?", "at_ms <= ?"];
    const params: unknown[] = [sq.deviceId, idFromCursor(sq.cursor), sq.sinceMs ?? 0, sq.untilMs ?? Number.MAX_SAFE_INTEGER];
    if (type) {
      where.push("type = ?");
      params.push(type);
    }
    const rows = db
      .prepare(`SELECT id, received_at, json FROM ${table} WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?`)
      .all(...params, sq.limit + 1) as Row[];
    return page(rows, sq.limit, (r) => ({ receivedAt: String(r.received_at), message: JSON.parse(String(r.json)) as never }));
  }

  return {
    addDevice(deviceId, passwordHash, createdAt) {
      try {
        q.addDevice.run(deviceId, passwordHash, createdAt);
      } catch (err) {
        if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
          throw new UplinkError("UPLINK_DEVICE_EXISTS", `device ${deviceId} already exists`, { deviceId });
        }
        throw err;
      }
    },
    setDevicePassword(deviceId, passwordHash) {
      if (q.setPassword.run(passwordHash, deviceId).changes === 0) {
        throw new UplinkError("UPLINK_DEVICE_NOT_FOUND", `no device ${deviceId}`, { deviceId });
      }
    },
    getDevicePasswordHash(deviceId) {
      const row = q.getPassword.get(deviceId) as Row | undefined;
      return row ? String(row.password_hash) : null;
    },
    listDeviceIds() {
      return (q.deviceIds.all() as Row[]).map((r) => String(r.device_id));
    },
    addToken(t) {
      if (q.tokenByName.get(t.name)) throw new UplinkError("UPLINK_TOKEN_EXISTS", `a token named ${t.name} exists`, { name: t.name });
      q.addToken.run(t.id, t.name, t.hash, t.createdAt);
    },
    getToken(id) {
      const r = q.getToken.get(id) as Row | undefined;
      return r ? { id: String(r.id), name: String(r.name), hash: String(r.hash), createdAt: String(r.created_at) } : null;
    },
    listTokens() {
      return (q.tokens.all() as Row[]).map((r) => ({ id: String(r.id), name: String(r.name), createdAt: String(r.created_at) }));
    },
    saveDeviceStates: db.transaction((states: readonly DeviceState[]) => {
      const now = new Date().toISOString();
      for (const s of states) q.saveState.run(s.deviceId, JSON.stringify(s), now);
    }),
    loadDeviceStates(changedSince) {
      const rows = (changedSince ? q.loadStatesSince.all(changedSince) : q.loadStates.all()) as Row[];
      return rows.map((r) => JSON.parse(String(r.state_json)) as DeviceState);
    },
    updateDeviceState(deviceId, change) {
      if (db.inTransaction) throw new UplinkError("UPLINK_STORE_FAILED", "updateDeviceState does not nest");
      // A write transaction from the start (IMMEDIATE): SQLite's lock is the whole database.
      return db
        .transaction(() => {
          const row = q.getState.get(deviceId) as Row | undefined;
          const next = change(row ? (JSON.parse(String(row.state_json)) as DeviceState) : null);
          if (next) q.saveState.run(deviceId, JSON.stringify(next), new Date().toISOString());
          return next;
        })
        .immediate();
    },
    appendEvent(deviceId, receivedAt, event) {
      return q.addEvent.run(deviceId, event.bootId, event.seq, Date.parse(receivedAt), receivedAt, event.type, JSON.stringify(event)).changes > 0;
    },
    listEvents(sq) {
      return series("events", sq, sq.type);
    },
    appendHealth(deviceId, receivedAt, health) {
      return q.addHealth.run(deviceId, health.bootId, health.seq, Date.parse(receivedAt), receivedAt, JSON.stringify(health)).changes > 0;
    },
    listHealth(sq) {
      return series("health", sq);
    },
    appendHeartbeat(deviceId, receivedAt, heartbeat) {
      return q.addHeartbeat.run(deviceId, heartbeat.bootId, heartbeat.seq, Date.parse(receivedAt), receivedAt, JSON.stringify(heartbeat)).changes > 0;
    },
    appendStatus(deviceId, receivedAt, status) {
      return q.addStatus.run(deviceId, status.bootId, status.seq, Date.parse(receivedAt), receivedAt, JSON.stringify(status)).changes > 0;
    },
    listStatuses(sq) {
      return series("statuses", sq);
    },
    listHeartbeats(sq) {
      return series("heartbeats", sq);
    },
    downsampleHeartbeats(beforeMs, bucketMs) {
      const res = db
        .prepare(
          "DELETE FROM heartbeats WHERE at_ms < @before AND id NOT IN " +
            "(SELECT MIN(id) FROM heartbeats WHERE at_ms < @before GROUP BY device_id, at_ms / CAST(@bucket AS INTEGER))",
        )
        .run({ before: beforeMs, bucket: Math.max(1, Math.floor(bucketMs)) });
      return res.changes;
    },
    transaction(work) {
      // better-sqlite3 nests a transaction inside another as a savepoint.
      return db.transaction(work)();
    },
    isolated(work) {
      return work();
    },
    saveReceipt(deviceId, receipt) {
      q.saveReceipt.run(deviceId, JSON.stringify(receipt));
    },
    loadReceipts() {
      return (q.receipts.all() as Row[]).map((r) => ({ deviceId: String(r.device_id), receipt: JSON.parse(String(r.json)) as unknown }));
    },
    saveCommand(cmd: CommandRecord) {
      q.saveCommand.run({ id: cmd.id, deviceId: cmd.deviceId, name: cmd.name, state: cmd.state, issuedAt: cmd.issuedAt, json: JSON.stringify(cmd) });
    },
    getCommand(id) {
      const r = q.getCommand.get(id) as Row | undefined;
      return r ? (JSON.parse(String(r.json)) as CommandRecord) : null;
    },
    listCommands(cq) {
      const where = ["seq < ?"];
      const params: unknown[] = [idFromCursor(cq.cursor)];
      if (cq.deviceId) {
        where.push("device_id = ?");
        params.push(cq.deviceId);
      }
      if (cq.state) {
        where.push("state = ?");
        params.push(cq.state);
      }
      const rows = db
        .prepare(`SELECT seq AS id, json FROM commands WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT ?`)
        .all(...params, cq.limit + 1) as Row[];
      return page(rows, cq.limit, (r) => JSON.parse(String(r.json)) as CommandRecord);
    },
    saveAlert(a) {
      q.saveAlert.run(a.id, a.deviceId, a.rule, a.state, Date.parse(a.firedAt), JSON.stringify(a));
    },
    listAlerts(aq) {
      const where = ["seq < ?", "fired_ms >= ?"];
      const params: unknown[] = [idFromCursor(aq.cursor), aq.sinceMs ?? 0];
      for (const [column, value] of [["device_id", aq.deviceId], ["state", aq.state], ["rule", aq.rule]] as const) {
        if (value === undefined) continue;
        where.push(`${column} = ?`);
        params.push(value);
      }
      const rows = db
        .prepare(`SELECT seq AS id, json FROM alerts WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT ?`)
        .all(...params, aq.limit + 1) as Row[];
      return page(rows, aq.limit, (r) => JSON.parse(String(r.json)) as Alert);
    },
    listFiringAlerts() {
      return (q.firingAlerts.all() as Row[]).map((r) => JSON.parse(String(r.json)) as Alert);
    },
    appendPresence(deviceId, r) {
      q.addPresence.run(deviceId, r.atMs, r.online ? 1 : 0, r.link, r.cause);
    },
    listPresence(deviceId, fromMs, untilMs) {
      const before = q.presenceBefore.get(deviceId, fromMs) as Row | undefined;
      return { before: before ? presenceRow(before) : null, rows: (q.presenceIn.all(deviceId, fromMs, untilMs) as Row[]).map(presenceRow) };
    },
    lastPresence() {
      return Object.fromEntries((q.lastPresence.all() as Row[]).map((r) => [String(r.device_id), presenceRow(r)]));
    },
    listOpenCommands() {
      return (q.openCommands.all(...FINAL_LIFECYCLE_STATES) as Row[]).map((r) => JSON.parse(String(r.json)) as CommandRecord);
    },
    close() {
      if (db.open) db.close();
    },
  };
}
