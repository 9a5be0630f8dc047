import type { Alert } from "../alerts/alert.ts";
import { UplinkError } from "../errors.ts";
import { FINAL_LIFECYCLE_STATES, type CommandRecord, type DeviceState } from "../state/types.ts";
import { idFromCursor, page } from "./paging.ts";
import { PG_MIGRATIONS } from "./postgres-schema.ts";
import { presenceRow } from "./presence-row.ts";
import { openSyncPg, PostgresError, type SyncPg, type SyncQuery } from "./postgres-sync.ts";
import type { Page, SeriesQuery, Store, Stored } from "./store.ts";

type Row = Record<string, unknown>;
type Series = "events" | "health" | "heartbeats" | "statuses";

// SQLSTATE unique_violation.
const UNIQUE_VIOLATION = "23505";

function migrate(pg: SyncPg): void {
  // One migrator at a time, even with several replicas starting together.
  pg.batch([{ sql: "BEGIN" }, { sql: "SELECT pg_advisory_xact_lock(7046001)" }, { sql: "CREATE TABLE IF NOT EXISTS uplink_schema (version INTEGER NOT NULL)" }]);
  try {
    const row = pg.query("SELECT version FROM uplink_schema").rows[0];
    const version = row ? Number(row.version) : 0;
    const steps: SyncQuery[] = PG_MIGRATIONS.slice(version).map((sql) => ({ sql }));
    if (steps.length) {
      steps.push(row ? { sql: "UPDATE uplink_schema SET version = $1", params: [PG_MIGRATIONS.length] } : { sql: "INSERT INTO uplink_schema VALUES ($1)", params: [PG_MIGRATIONS.length] });
    }
    pg.batch([...steps, { sql: "COMMIT" }]);
  } catch (err) {
    pg.query("ROLLBACK");
    throw err;
  }
}

/**
 * The PostgreSQL store: the same contract as the SQLite one, for replicas that share one database.
 * Device messages are unique by (device, boot, seq), so a message that two replicas both receive
 * (a QoS 1 redelivery after one was killed) is stored once; `updateDeviceState` takes a row lock,
 * so replicas that share a device serialise on it.
 */
export function openPostgresStore(url: string): Store {
  const pg = openSyncPg(url);
  try {
    migrate(pg);
  } catch (err) {
    pg.close();
    throw new UplinkError("UPLINK_STORE_FAILED", `PostgreSQL store at ${redact(url)}: ${(err as Error).message}`);
  }
  let inTransaction = false;

  function append(table: Series, deviceId: string, receivedAt: string, m: { bootId: string; seq: number }, type: string | null): boolean {
    const json = JSON.stringify(m);
    const at = Date.parse(receivedAt);
    const r =
      table === "events"
        ? pg.query(
            "INSERT INTO events (device_id, boot_id, seq, at_ms, received_at, type, json) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (device_id, boot_id, seq) DO NOTHING",
            [deviceId, m.bootId, m.seq, at, receivedAt, type, json],
          )
        : pg.query(
            `INSERT INTO ${table} (device_id, boot_id, seq, at_ms, received_at, json) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (device_id, boot_id, seq) DO NOTHING`,
            [deviceId, m.bootId, m.seq, at, receivedAt, json],
          );
    return r.rowCount > 0;
  }

  function series(table: Series, sq: SeriesQuery, type?: string): Page<Stored<never>> {
    const where = ["device_id = $1", "id < $2", "at_ms >= $3", "at_ms <= $4"];
    const params: unknown[] = [sq.deviceId, idFromCursor(sq.cursor), sq.sinceMs ?? 0, sq.untilMs ?? Number.MAX_SAFE_INTEGER];
    if (type) {
      params.push(type);
      where.push(`type = $${params.length}`);
    }
    params.push(sq.limit + 1);
    const rows = pg.query(`SELECT id, received_at, json FROM ${table} WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT $${params.length}`, params).rows;
    return page(rows, sq.limit, (r) => ({ receivedAt: String(r.received_at), message: JSON.parse(String(r.json)) as never }));
  }

  const saveState = (s: DeviceState, now: string): SyncQuery => ({
    sql:
      "INSERT INTO device_state (device_id, state_json, updated_at) VALUES ($1, $2, $3) " +
      "ON CONFLICT (device_id) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at",
    params: [s.deviceId, JSON.stringify(s), now],
  });

  return {
    addDevice(deviceId, passwordHash, createdAt) {
      try {
        pg.query("INSERT INTO devices (device_id, password_hash, created_at) VALUES ($1, $2, $3)", [deviceId, passwordHash, createdAt]);
      } catch (err) {
        if (err instanceof PostgresError && err.code === UNIQUE_VIOLATION) {
          throw new UplinkError("UPLINK_DEVICE_EXISTS", `device ${deviceId} already exists`, { deviceId });
        }
        throw err;
      }
    },
    setDevicePassword(deviceId, passwordHash) {
      if (pg.query("UPDATE devices SET password_hash = $1 WHERE device_id = $2", [passwordHash, deviceId]).rowCount === 0) {
        throw new UplinkError("UPLINK_DEVICE_NOT_FOUND", `no device ${deviceId}`, { deviceId });
      }
    },
    getDevicePasswordHash(deviceId) {
      const row = pg.query("SELECT password_hash FROM devices WHERE device_id = $1", [deviceId]).rows[0];
      return row ? String(row.password_hash) : null;
    },
    listDeviceIds() {
      return pg.query("SELECT device_id FROM devices ORDER BY device_id").rows.map((r) => String(r.device_id));
    },
    addToken(t) {
      try {
        pg.query("INSERT INTO tokens (id, name, hash, created_at) VALUES ($1, $2, $3, $4)", [t.id, t.name, t.hash, t.createdAt]);
      } catch (err) {
        if (err instanceof PostgresError && err.code === UNIQUE_VIOLATION) {
          throw new UplinkError("UPLINK_TOKEN_EXISTS", `a token named ${t.name} exists`, { name: t.name });
        }
        throw err;
      }
    },
    getToken(id) {
      const r = pg.query("SELECT id, name, hash, created_at FROM tokens WHERE id = $1", [id]).rows[0];
      return r ? { id: String(r.id), name: String(r.name), hash: String(r.hash), createdAt: String(r.created_at) } : null;
    },
    listTokens() {
      return pg.query("SELECT id, name, created_at FROM tokens ORDER BY created_at").rows.map((r) => ({ id: String(r.id), name: String(r.name), createdAt: String(r.created_at) }));
    },
    saveDeviceStates(states) {
      if (states.length === 0) return;
      const now = new Date().toISOString();
      // One round trip: BEGIN, every upsert, COMMIT.
      try {
        pg.batch([{ sql: "BEGIN" }, ...states.map((s) => saveState(s, now)), { sql: "COMMIT" }]);
      } catch (err) {
        pg.query("ROLLBACK");
        throw err;
      }
    },
    loadDeviceStates(changedSince) {
      const rows = changedSince
        ? pg.query("SELECT state_json FROM device_state WHERE updated_at >= $1 AND state_json <> 'null' ORDER BY device_id", [changedSince]).rows
        : pg.query("SELECT state_json FROM device_state WHERE state_json <> 'null' ORDER BY device_id").rows;
      return rows.map((r) => JSON.parse(String(r.state_json)) as DeviceState);
    },
    updateDeviceState(deviceId, change) {
      if (inTransaction) throw new UplinkError("UPLINK_STORE_FAILED", "updateDeviceState does not nest");
      const now = new Date().toISOString();
      // The placeholder row gives FOR UPDATE something to lock when the device has no state yet, so
      // that two replicas seeing a new device's first messages at once still take turns.
      const [, , locked] = pg.batch([
        { sql: "BEGIN" },
        { sql: "INSERT INTO device_state (device_id, state_json, updated_at) VALUES ($1, 'null', $2) ON CONFLICT (device_id) DO NOTHING", params: [deviceId, now] },
        { sql: "SELECT state_json FROM device_state WHERE device_id = $1 FOR UPDATE", params: [deviceId] },
      ]);
      inTransaction = true;
      try {
        const stored = JSON.parse(String(locked!.rows[0]!.state_json)) as DeviceState | null;
        const next = change(stored);
        pg.batch([...(next ? [saveState(next, now)] : []), { sql: "COMMIT" }]);
        return next;
      } catch (err) {
        pg.query("ROLLBACK");
        throw err;
      } finally {
        inTransaction = false;
      }
    },
    appendEvent(deviceId, receivedAt, event) {
      return append("events", deviceId, receivedAt, event, event.type);
    },
    listEvents(sq) {
      return series("events", sq, sq.type);
    },
    appendHealth(deviceId, receivedAt, health) {
      return append("health", deviceId, receivedAt, health, null);
    },
    listHealth(sq) {
      return series("health", sq);
    },
    appendStatus(deviceId, receivedAt, status) {
      return append("statuses", deviceId, receivedAt, status, null);
    },
    listStatuses(sq) {
      return series("statuses", sq);
    },
    appendHeartbeat(deviceId, receivedAt, heartbeat) {
      return append("heartbeats", deviceId, receivedAt, heartbeat, null);
    },
    listHeartbeats(sq) {
      return series("heartbeats", sq);
    },
    downsampleHeartbeats(beforeMs, bucketMs) {
      return pg.query(
        "DELETE FROM heartbeats WHERE at_ms < $1 AND id NOT IN " +
          "(SELECT MIN(id) FROM heartbeats WHERE at_ms < $1 GROUP BY device_id, at_ms / $2::bigint)",
        [beforeMs, Math.max(1, Math.floor(bucketMs))],
      ).rowCount;
    },
    transaction(work) {
      // Inside updateDeviceState the transaction is already open: join it.
      if (inTransaction) return work();
      pg.query("BEGIN");
      inTransaction = true;
      try {
        const result = work();
        pg.query("COMMIT");
        return result;
      } catch (err) {
        pg.query("ROLLBACK");
        throw err;
      } finally {
        inTransaction = false;
      }
    },
    isolated(work) {
      if (!inTransaction) return work();
      pg.query("SAVEPOINT uplink_message");
      try {
        const result = work();
        pg.query("RELEASE SAVEPOINT uplink_message");
        return result;
      } catch (err) {
        pg.query("ROLLBACK TO SAVEPOINT uplink_message");
        throw err;
      }
    },
    saveReceipt(deviceId, receipt) {
      pg.query("INSERT INTO seq_receipts (device_id, json) VALUES ($1, $2) ON CONFLICT (device_id) DO UPDATE SET json = excluded.json", [deviceId, JSON.stringify(receipt)]);
    },
    loadReceipts() {
      return pg.query("SELECT device_id, json FROM seq_receipts").rows.map((r) => ({ deviceId: String(r.device_id), receipt: JSON.parse(String(r.json)) as unknown }));
    },
    saveCommand(cmd: CommandRecord) {
      pg.query(
        "INSERT INTO commands (id, device_id, name, state, issued_at, json) VALUES ($1, $2, $3, $4, $5, $6) " +
          "ON CONFLICT (id) DO UPDATE SET state = excluded.state, json = excluded.json",
        [cmd.id, cmd.deviceId, cmd.name, cmd.state, cmd.issuedAt, JSON.stringify(cmd)],
      );
    },
    getCommand(id) {
      const r = pg.query("SELECT json FROM commands WHERE id = $1", [id]).rows[0];
      return r ? (JSON.parse(String(r.json)) as CommandRecord) : null;
    },
    listCommands(cq) {
      const params: unknown[] = [idFromCursor(cq.cursor)];
      const where = ["seq < $1"];
      if (cq.deviceId) {
        params.push(cq.deviceId);
        where.push(`device_id = $${params.length}`);
      }
      if (cq.state) {
        params.push(cq.state);
        where.push(`state = $${params.length}`);
      }
      params.push(cq.limit + 1);
      const rows = pg.query(`SELECT seq AS id, json FROM commands WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT $${params.length}`, params).rows;
      return page(rows as Row[], cq.limit, (r) => JSON.parse(String(r.json)) as CommandRecord);
    },
    saveAlert(a) {
      pg.query(
        "INSERT INTO alerts (id, device_id, rule, state, fired_ms, json) VALUES ($1, $2, $3, $4, $5, $6) " +
          "ON CONFLICT (id) DO UPDATE SET state = excluded.state, json = excluded.json",
        [a.id, a.deviceId, a.rule, a.state, Date.parse(a.firedAt), JSON.stringify(a)],
      );
    },
    listAlerts(aq) {
      const params: unknown[] = [idFromCursor(aq.cursor), aq.sinceMs ?? 0];
      const where = ["seq < $1", "fired_ms >= $2"];
      for (const [column, value] of [["device_id", aq.deviceId], ["state", aq.state], ["rule", aq.rule]] as const) {
        if (value === undefined) continue;
        params.push(value);
        where.push(`${column} = $${params.length}`);
      }
      params.push(aq.limit + 1);
      const rows = pg.query(`SELECT seq AS id, json FROM alerts WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT $${params.length}`, params).rows;
      return page(rows as Row[], aq.limit, (r) => JSON.parse(String(r.json)) as Alert);
    },
    listFiringAlerts() {
      return pg.query("SELECT json FROM alerts WHERE state = 'firing' ORDER BY seq").rows.map((r) => JSON.parse(String(r.json)) as Alert);
    },
    appendPresence(deviceId, r) {
      pg.query("INSERT INTO presence (device_id, at_ms, online, link, cause) VALUES ($1, $2, $3, $4, $5)", [deviceId, r.atMs, r.online ? 1 : 0, r.link, r.cause]);
    },
    listPresence(deviceId, fromMs, untilMs) {
      const before = pg.query("SELECT at_ms, online, link, cause FROM presence WHERE device_id = $1 AND at_ms < $2 ORDER BY at_ms DESC, id DESC LIMIT 1", [deviceId, fromMs]).rows[0];
      const rows = pg.query("SELECT at_ms, online, link, cause FROM presence WHERE device_id = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms, id", [deviceId, fromMs, untilMs]).rows;
      return { before: before ? presenceRow(before as Row) : null, rows: (rows as Row[]).map(presenceRow) };
    },
    lastPresence() {
      const rows = pg.query("SELECT device_id, at_ms, online, link, cause FROM presence WHERE id IN (SELECT MAX(id) FROM presence GROUP BY device_id)").rows as Row[];
      return Object.fromEntries(rows.map((r) => [String(r.device_id), presenceRow(r)]));
    },
    listOpenCommands() {
      return pg
        .query("SELECT json FROM commands WHERE NOT (state = ANY($1)) ORDER BY seq", [FINAL_LIFECYCLE_STATES])
        .rows.map((r) => JSON.parse(String(r.json)) as CommandRecord);
    },
    close() {
      pg.close();
    },
  };
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable url)";
  }
}
