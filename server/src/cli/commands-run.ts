import { checkCommand, TERMINAL_COMMAND_STATES } from "@uplink/shared";
import type { CommandRecord } from "../state/types.ts";
import { CliError, EXIT, type ApiClient } from "./api-client.ts";
import { commandArgs } from "./command-args.ts";
import { layerLines } from "./format.ts";
import type { CliIo } from "./io.ts";

const FINAL = new Set(["succeeded", "failed", "rejected", "timed-out", "expired"]);

function describeStep(r: CommandRecord["responses"][number]): string {
  const bits: string[] = [r.state];
  if (r.reason) bits.push(`(${r.reason})`);
  if (r.step) bits.push(r.step);
  if (r.message) bits.push(r.message);
  return bits.join(" ");
}

/**
 * `uplink run <id> <command> [--arg value...] [--wait]`: checks the args against the catalog first
 * (a typo fails here, not on the device), issues the command and, with --wait, prints each
 * lifecycle step as it arrives by polling the command. Exit 0 only when it succeeded.
 */
export async function runCommand(
  api: ApiClient,
  io: CliIo,
  opts: { json: boolean; wait: boolean; deviceId: string; name: string; pairs: Array<[string, string]>; expiresInS?: number; pollMs?: number; timeoutMs?: number },
): Promise<number> {
  const args = commandArgs(opts.name, opts.pairs);
  const check = checkCommand(opts.name, args);
  if (!check.ok) throw new CliError(`${check.message}`, EXIT.usage);
  const issued = await api.post<CommandRecord>(`/api/v1/devices/${encodeURIComponent(opts.deviceId)}/commands`, {
    name: check.name,
    args: check.args,
    ...(opts.expiresInS ? { expiresInS: opts.expiresInS } : {}),
  });
  if (!opts.wait) {
    io.out(opts.json ? `${JSON.stringify({ id: issued.id, state: issued.state })}\n` : `${issued.id} ${issued.state}\n`);
    return 0;
  }
  if (!opts.json) io.out(`${issued.id} pending: ${check.name} sent to ${opts.deviceId}\n`);
  // By (bootId, seq), not by count: the record keeps the latest steps only (command-lifecycle.ts),
  // so its list stops growing while new steps replace old ones.
  const shown = new Set<string>();
  let last = issued;
  const deadline = Date.now() + (opts.timeoutMs ?? 15 * 60_000);
  while (!FINAL.has(last.state)) {
    if (Date.now() > deadline) throw new CliError(`gave up waiting; the command is still ${last.state}`, EXIT.commandFailed);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
    last = await api.get<CommandRecord>(`/api/v1/commands/${issued.id}`);
    for (const r of last.responses) {
      const key = `${r.bootId}:${r.seq}`;
      if (shown.has(key)) continue;
      shown.add(key);
      if (!opts.json) io.out(`${r.ts}  ${describeStep(r)}\n`);
    }
  }
  if (opts.json) io.out(`${JSON.stringify(last, null, 2)}\n`);
  else {
    const final = last.responses.at(-1);
    if (final?.output) io.out(`${final.output.trimEnd()}\n`);
    if (!TERMINAL_COMMAND_STATES.includes(final?.state as never) || last.state === "expired") io.out(`${last.state}${last.detail ? `: ${last.detail}` : ""}\n`);
    // The final answer carries the layer report after the command: for diagnose, the answer itself.
    const health = final && TERMINAL_COMMAND_STATES.includes(final.state) ? final.health : undefined;
    if (health) io.out(`${[`${check.name === "diagnose" ? "diagnosis" : "layers after"}: traffic ${health.selection.active ?? "none"}; ${health.selection.reason}`, ...layerLines(health)].join("\n")}\n`);
    else if (check.name === "diagnose" && last.state === "succeeded") io.out(`diagnosis: not kept with the answer; uplink show ${opts.deviceId} prints the device's last report\n`);
  }
  return last.state === "succeeded" ? EXIT.ok : EXIT.commandFailed;
}
