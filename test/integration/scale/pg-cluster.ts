import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * A throwaway PostgreSQL cluster for tests: Debian's binaries (package `postgresql`), `initdb` into
 * a temp dir, `pg_ctl start` on a free port on 127.0.0.1, trust auth, no fsync. As root, the
 * cluster runs as the `postgres` user (initdb refuses root).
 */
export interface PgCluster {
  /** A URL for a new, empty database. */
  database(name: string): Promise<string>;
  stop(): void;
}

function binDir(): string | null {
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], "bin");
  }
  const which = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  return which.status === 0 ? join(which.stdout.trim(), "..") : null;
}

export const PG_BIN = binDir();
export const PG_MISSING = PG_BIN
  ? null
  : "PostgreSQL binaries (initdb, pg_ctl) not found: install Debian's postgresql (scripts/install-system-deps.sh)";

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

export async function startPgCluster(): Promise<PgCluster> {
  if (!PG_BIN) throw new Error(PG_MISSING!);
  const dir = mkdtempSync(join(tmpdir(), "uplink-pg-"));
  const asRoot = userInfo().uid === 0;
  const run = (cmd: string, args: string[]) => {
    const argv = asRoot ? ["runuser", "-u", "postgres", "--", join(PG_BIN!, cmd), ...args] : [join(PG_BIN!, cmd), ...args];
    execFileSync(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  };
  if (asRoot) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), Number(execFileSync("id", ["-g", "postgres"]).toString()));
  const data = join(dir, "data");
  run("initdb", ["-D", data, "-A", "trust", "-U", "uplink", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-w", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, "start"]);
  const admin = `postgres://uplink@127.0.0.1:${port}/postgres`;
  return {
    async database(name) {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`CREATE DATABASE "${name}"`);
      await c.end();
      return `postgres://uplink@127.0.0.1:${port}/${name}`;
    },
    stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
