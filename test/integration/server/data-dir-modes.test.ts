import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { Writable } from "node:stream";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startServer } from "../../../server/src/server.ts";
import { runBin } from "../../helpers/run-bin.ts";
import { tempDir } from "./helpers.ts";

const dirs: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

function scratch(): string {
  const d = tempDir();
  dirs.push(d);
  return d.dir;
}

const mode = (path: string) => `0${(statSync(path).mode & 0o777).toString(8)}`;

function start(dataDir: string, logLines: string[] = []) {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  return startServer({ dataDir, httpPort: 0, listenHttp: false, mqttPort: 0, mqttHost: "127.0.0.1", logger: pino(sink) });
}

describe("files with secrets or fleet data", () => {
  it("a new data directory is 0700, the store and its -wal, -shm and marker 0600", async () => {
    const dir = join(scratch(), "data");
    const server = await start(dir);
    try {
      const db = join(dir, "uplink.db");
      expect(existsSync(`${db}-wal`)).toBe(true);
      expect([dir, db, `${db}-wal`, `${db}-shm`, `${db}.created`].map(mode)).toEqual(["0700", "0600", "0600", "0600", "0600"]);
    } finally {
      await server.close();
    }
  });

  it("`uplink device add --data` on a directory without a store creates it 0600", async () => {
    const dir = scratch();
    const res = await runBin("server/bin/uplink.js", ["device", "add", "pi-1", "--data", dir, "--json"]);
    expect(res.code).toBe(0);
    expect(mode(join(dir, "uplink.db"))).toBe("0600");
  });

  it("looser files left by an older version are made 0600, each with a warning; a looser directory is warned about", async () => {
    const dir = join(scratch(), "data");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const db = join(dir, "uplink.db");
    await (await start(dir)).close();
    chmodSync(db, 0o644);
    const lines: string[] = [];
    const server = await start(dir, lines);
    await server.close();
    expect(mode(db)).toBe("0600");
    expect(mode(dir)).toBe("0755");
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; path: string; mode: string; msg: string }).filter((l) => l.level === 40);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: dir, mode: "0755", msg: "others may enter the data directory: chmod 700 it" }),
        expect.objectContaining({ path: db, mode: "0644", msg: "others could read a file with secrets: made it 0600" }),
      ]),
    );
  });
});
