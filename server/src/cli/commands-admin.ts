import { existsSync } from "node:fs";
import { join } from "node:path";
import { addDevice, addToken } from "../auth/credentials.ts";
import { openSqliteStore } from "../store/sqlite-store.ts";
import { CliError, EXIT, type ApiClient } from "./api-client.ts";
import type { CliIo } from "./io.ts";

/**
 * `device add` and `token add`: straight into the data directory with --data (how the first token
 * is made, before anyone has one), or through the API otherwise.
 */
async function withStore<T>(dataDir: string, fn: (store: ReturnType<typeof openSqliteStore>) => Promise<T>): Promise<T> {
  const file = join(dataDir, "uplink.db");
  if (!existsSync(dataDir)) throw new CliError(`no data directory ${dataDir} (start uplink-server --data ${dataDir} once, or create it)`, EXIT.usage);
  const store = openSqliteStore(file);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

export async function deviceAddCommand(io: CliIo, opts: { json: boolean; id: string; dataDir?: string; api?: ApiClient }): Promise<number> {
  const creds = opts.dataDir
    ? await withStore(opts.dataDir, (store) => addDevice(store, opts.id))
    : await opts.api!.post<{ deviceId: string; username: string; password: string }>("/api/v1/devices", { deviceId: opts.id });
  if (opts.json) io.out(`${JSON.stringify({ deviceId: creds.deviceId, username: creds.username, password: creds.password })}\n`);
  else io.out(`device ${creds.deviceId} added\n  username  ${creds.username}\n  password  ${creds.password}\nThe password is shown this once: put it in the device's config now.\n`);
  return 0;
}

export async function tokenAddCommand(io: CliIo, opts: { json: boolean; name: string; dataDir?: string; api?: ApiClient }): Promise<number> {
  const t = opts.dataDir
    ? await withStore(opts.dataDir, (store) => addToken(store, opts.name))
    : await opts.api!.post<{ token: string; name: string }>("/api/v1/tokens", { name: opts.name });
  if (opts.json) io.out(`${JSON.stringify({ token: t.token })}\n`);
  else io.out(`token ${t.name} added\n  ${t.token}\nShown this once: export UPLINK_TOKEN=<it>.\n`);
  return 0;
}
