import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import { UplinkError } from "../errors.ts";

/**
 * Synchronous PostgreSQL, for the synchronous Store interface: a worker thread owns one `pg`
 * connection; the main thread posts a request and sleeps on a shared flag (Atomics.wait) until the
 * worker has posted the answer. This is how better-sqlite3 already behaves (the event loop waits
 * for the disk); here it waits for a round trip to the database, ~0.1-0.5 ms on a LAN. Several
 * statements go in one request (`batch`), so a transaction costs one wait, not one per statement.
 */
export interface SyncQuery {
  sql: string;
  params?: unknown[];
}

export interface SyncResult {
  rows: Array<Record<string, unknown>>;
  rowCount: number;
}

export interface SyncPg {
  query(sql: string, params?: unknown[]): SyncResult;
  /** Runs the statements in order on the one connection; one round trip from this thread. */
  batch(queries: SyncQuery[]): SyncResult[];
  close(): void;
}

export class PostgresError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly constraint: string | undefined,
  ) {
    super(message);
  }
}

type Reply = { ok: true; results: SyncResult[] } | { ok: false; message: string; code?: string; constraint?: string };

export function openSyncPg(url: string, timeoutMs = 30_000): SyncPg {
  const flag = new SharedArrayBuffer(4);
  const state = new Int32Array(flag);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL("./postgres-worker.js", import.meta.url), { workerData: { url, port: port2, flag }, transferList: [port2] });
  worker.unref();
  let closed = false;

  function call(request: { queries?: SyncQuery[]; close?: boolean }): SyncResult[] {
    if (closed) throw new UplinkError("UPLINK_STORE_FAILED", "the PostgreSQL store is closed");
    Atomics.store(state, 0, 0);
    port1.postMessage(request);
    if (Atomics.wait(state, 0, 0, timeoutMs) === "timed-out") {
      throw new UplinkError("UPLINK_STORE_FAILED", `PostgreSQL did not answer within ${timeoutMs} ms`);
    }
    const reply = receiveMessageOnPort(port1)?.message as Reply | undefined;
    if (!reply) throw new UplinkError("UPLINK_STORE_FAILED", "PostgreSQL worker answered nothing");
    if (!reply.ok) throw new PostgresError(reply.message, reply.code, reply.constraint);
    return reply.results;
  }

  return {
    query: (sql, params) => call({ queries: [{ sql, params }] })[0]!,
    batch: (queries) => (queries.length ? call({ queries }) : []),
    close() {
      if (closed) return;
      try {
        call({ close: true });
      } finally {
        closed = true;
        port1.close();
        void worker.terminate();
      }
    },
  };
}
