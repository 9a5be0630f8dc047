import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDevice, addToken } from "../../../server/src/auth/credentials.ts";
import { generateSecret } from "../../../server/src/auth/secrets.ts";
import { openPostgresStore } from "../../../server/src/store/postgres-store.ts";
import type { DeviceState } from "../../../server/src/state/types.ts";
import { startFleetSim, type FleetDevice, type FleetSim } from "../../helpers/fleet-sim.ts";
import { PG_MISSING, startPgCluster, type PgCluster } from "./pg-cluster.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const DEPLOY = join(ROOT, "deploy/mosquitto");
const MOSQUITTO_MISSING =
  spawnSync("sh", ["-c", "command -v mosquitto && command -v mosquitto_passwd"]).status === 0
    ? null
    : "mosquitto not found: install Debian's mosquitto (scripts/install-system-deps.sh)";
const MISSING = PG_MISSING ?? MOSQUITTO_MISSING;
const DEVICES = 24;

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Replica {
  name: string;
  httpUrl: string;
  process: ChildProcess;
  stderr(): string;
}

/**
 * Two uplink replicas on one Mosquitto, splitting ingest with a shared subscription and sharing one
 * PostgreSQL; one is killed (SIGKILL) while the fleet publishes and comes back later, as systemd
 * would restart it. Every message acknowledged by the broker must be stored exactly once and the
 * fleet state must count every one of them, with no gap.
 */
describe.skipIf(MISSING !== null)("uplink replicas sharing Mosquitto and PostgreSQL", () => {
  const dir = mkdtempSync(join(tmpdir(), "uplink-replicas-"));
  const secrets: Record<string, string> = { "_uplink-server-a": generateSecret(), "_uplink-server-b": generateSecret() };
  let cluster: PgCluster;
  let storeUrl: string;
  let mqttUrl: string;
  let broker: ChildProcess;
  let token: string;
  const replicas = new Map<string, Replica>();
  const devices: FleetDevice[] = [];
  let fleet: FleetSim | null = null;

  async function startReplica(name: string): Promise<Replica> {
    const httpPort = await freePort();
    const user = `_uplink-server-${name}`;
    const child = spawn(
      process.execPath,
      [join(ROOT, "server/bin/uplink-server.js"), "--data", join(dir, name), "--http-port", String(httpPort), "--broker-url", mqttUrl],
      {
        env: {
          ...process.env,
          UPLINK_STORE_URL: storeUrl,
          UPLINK_SHARE_GROUP: "uplink",
          UPLINK_CLIENT_ID: user,
          UPLINK_BROKER_USERNAME: user,
          UPLINK_BROKER_PASSWORD: secrets[user],
          UPLINK_LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let err = "";
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    const httpUrl = `http://127.0.0.1:${httpPort}`;
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`replica ${name} exited: ${err}`);
      return fetch(`${httpUrl}/healthz`).then((r) => r.ok, () => false);
    }, `replica ${name} to start`, 20_000);
    const replica = { name, httpUrl, process: child, stderr: () => err };
    replicas.set(name, replica);
    return replica;
  }

  beforeAll(async () => {
    cluster = await startPgCluster();
    storeUrl = await cluster.database("replicas");
    // Devices are registered in the shared store (the fleet knows them) and in Mosquitto's password
    // file (Mosquitto authenticates them).
    const store = openPostgresStore(storeUrl);
    const passwd = join(dir, "passwd");
    for (let i = 0; i < DEVICES; i++) {
      const c = await addDevice(store, `pi-${String(i).padStart(3, "0")}`);
      devices.push({ deviceId: c.deviceId, password: c.password });
      secrets[c.deviceId] = c.password;
    }
    ({ token } = await addToken(store, "replicas"));
    store.close();
    const lines = Object.entries(secrets).map(([u, p]) => `${u}:${p}`).join("\n");
    writeFileSync(join(dir, "plain"), `${lines}\n`);
    copyFileSync(join(dir, "plain"), passwd);
    const hashed = spawnSync("mosquitto_passwd", ["-U", passwd]);
    if (hashed.status !== 0) throw new Error(`mosquitto_passwd -U: ${hashed.stderr}`);
    // The shipped ACL, plus one user per replica (with use_username_as_clientid, each replica needs
    // its own username to have its own client id and session).
    const acl = readFileSync(join(DEPLOY, "acl"), "utf8") + ["a", "b"].map((r) => `\nuser _uplink-server-${r}\ntopic readwrite uplink/v1/#\n`).join("");
    writeFileSync(join(dir, "acl"), acl);
    const port = await freePort();
    mqttUrl = `mqtt://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, "mosquitto.conf"),
      [
        `listener ${port} 127.0.0.1`,
        `user ${userInfo().username}`,
        "allow_anonymous false",
        `password_file ${passwd}`,
        `acl_file ${join(dir, "acl")}`,
        "use_username_as_clientid true",
        "persistence false",
        "max_queued_messages 10000",
        "message_size_limit 262144",
        "log_type error",
        "log_type warning",
      ].join("\n"),
    );
    broker = spawn("mosquitto", ["-c", join(dir, "mosquitto.conf")], { stdio: ["ignore", "ignore", "inherit"] });
    await until(
      () => new Promise<boolean>((res) => {
        const s = connect(port, "127.0.0.1", () => s.end(() => res(true)));
        s.on("error", () => res(false));
      }),
      "mosquitto to listen",
      10_000,
    );
    await Promise.all([startReplica("a"), startReplica("b")]);
  }, 120_000);

  afterAll(async () => {
    await fleet?.stop();
    for (const r of replicas.values()) if (r.process.exitCode === null) r.process.kill("SIGKILL");
    broker?.kill("SIGTERM");
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores every message once and counts it in the state when one replica is killed mid-run", async () => {
    const db = new pg.Client({ connectionString: storeUrl });
    // When an assertion fails, afterAll stops the cluster under this client: that is no news.
    db.on("error", () => {});
    await db.connect();
    const stored = async () => Number((await db.query("SELECT (SELECT count(*) FROM heartbeats) + (SELECT count(*) FROM events) + (SELECT count(*) FROM health) AS n")).rows[0].n);

    fleet = startFleetSim({ mqttUrl, devices, heartbeatMs: 100, jitter: 0.2, eventEvery: 7, healthEvery: 11 });
    await fleet.ready;
    expect(fleet.stats().connected).toBe(DEVICES);
    await new Promise((r) => setTimeout(r, 2000));

    // Both replicas took a share of the messages.
    const before = await stored();
    expect(before).toBeGreaterThan(DEVICES * 5);
    const a = replicas.get("a")!;
    a.process.kill("SIGKILL");
    await new Promise((r) => a.process.once("exit", r));

    // The survivor goes on alone.
    await new Promise((r) => setTimeout(r, 2000));
    const whileDown = await stored();
    expect(whileDown).toBeGreaterThan(before + DEVICES * 5);

    // Then the fleet stops sending and the killed replica comes back with its session.
    fleet.pause();
    await until(() => [...fleet!.acknowledged().values()].every((d) => d.acked === d.sent), "the broker to acknowledge every message", 10_000);
    const acked = fleet.acknowledged();
    // Mosquitto 2.0 keeps assigning the group's messages to the killed replica's persistent session
    // (a measured run: 728 of 977 stored before the restart); they wait there for it to come back.
    await startReplica("a");
    // Each device acked its status (seq 2) and then seqs 3..lastSeq on the stored channels.
    const expected = [...acked.values()].reduce((n, d) => n + d.acked - 1, 0);
    await until(async () => (await stored()) >= expected, `${expected} messages stored`, 20_000);

    const rows = await db.query(
      "SELECT device_id, boot_id, count(*)::int AS n, count(DISTINCT seq)::int AS distinct_seqs, min(seq) AS first, max(seq) AS last FROM " +
        "(SELECT device_id, boot_id, seq FROM heartbeats UNION ALL SELECT device_id, boot_id, seq FROM events UNION ALL SELECT device_id, boot_id, seq FROM health) m " +
        "GROUP BY device_id, boot_id ORDER BY device_id",
    );
    expect(rows.rows).toHaveLength(DEVICES);
    for (const r of rows.rows) {
      const d = acked.get(r.device_id)!;
      expect({ device: r.device_id, boot: r.boot_id, n: r.n, distinct: r.distinct_seqs, first: r.first, last: r.last }).toEqual({
        device: r.device_id,
        boot: d.bootId,
        n: d.acked - 1,
        distinct: d.acked - 1,
        first: 3,
        last: d.lastSeq,
      });
    }

    // The state, in the store and as each replica's API shows it: every message counted, no gap.
    // A status message has no table of its own, so the restarted replica may still be working
    // through its session's backlog of them when the message tables are complete: wait for it.
    const loadStates = async () =>
      (await db.query("SELECT state_json FROM device_state WHERE state_json <> 'null'")).rows.map((r) => JSON.parse(r.state_json) as DeviceState);
    await until(
      async () => (await loadStates()).every((s) => s.seq.received === acked.get(s.deviceId)?.acked),
      "every device's stored state to count all its messages",
      10_000,
    );
    const states = await loadStates();
    expect(states).toHaveLength(DEVICES);
    for (const s of states) {
      const d = acked.get(s.deviceId)!;
      expect({ id: s.deviceId, received: s.seq.received, maxSeq: s.seq.boots[0]?.maxSeq, gaps: s.seq.gaps, online: s.online }).toEqual({
        id: s.deviceId,
        received: d.acked,
        maxSeq: d.lastSeq,
        gaps: 0,
        online: true,
      });
    }
    for (const replica of replicas.values()) {
      await until(
        async () => {
          const res = await fetch(`${replica.httpUrl}/api/v1/devices?limit=1000`, { headers: { authorization: `Bearer ${token}` } });
          const list = (await res.json()) as Array<{ deviceId: string; delivery: { received: number; gaps: number } }>;
          return list.length === DEVICES && list.every((v) => v.delivery.received === acked.get(v.deviceId)!.acked && v.delivery.gaps === 0);
        },
        `replica ${replica.name}'s API to show every device's messages`,
        10_000,
      );
    }
    await db.end();
  }, 90_000);
});

if (MISSING) {
  describe("uplink replicas sharing Mosquitto and PostgreSQL", () => {
    it.skip(`skipped: ${MISSING}`, () => {});
  });
}
