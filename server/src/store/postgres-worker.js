// The thread that owns the PostgreSQL connection for postgres-sync.ts. Plain JavaScript so that a
// worker needs no TypeScript loader. It runs one request at a time, posts the answer on its port,
// then wakes the waiting main thread through the shared flag.
import { workerData } from "node:worker_threads";
import pg from "pg";

const { url, port, flag } = workerData;
const state = new Int32Array(flag);
// BIGINT (epoch ms, row ids) as numbers: they stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
const client = new pg.Client({ connectionString: url, application_name: "uplink-server" });
let ready = client.connect();
let broken = null;
client.on("error", (err) => {
  broken = err;
});

function answer(reply) {
  port.postMessage(reply);
  Atomics.store(state, 0, 1);
  Atomics.notify(state, 0);
}

port.on("message", async (req) => {
  try {
    await ready;
    if (broken) throw broken;
    if (req.close) {
      await client.end();
      answer({ ok: true, results: [] });
      port.close();
      return;
    }
    const results = [];
    for (const q of req.queries) {
      const r = await client.query(q.sql, q.params);
      results.push({ rows: r.rows, rowCount: r.rowCount ?? 0 });
    }
    answer({ ok: true, results });
  } catch (err) {
    answer({ ok: false, message: err.message, code: err.code, constraint: err.constraint });
  }
});
