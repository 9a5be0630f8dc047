import type { Host } from "../host/host.ts";
import { resolvConfKind } from "../parse/resolv-conf.ts";
import { readOnlyCaptures, type Capture } from "./commands.ts";
import type { DiagnoseOptions } from "./options.ts";
import type { Snapshot } from "./snapshot.ts";

export interface SkipNote {
  key: string;
  why: string;
}

/** The DNS probe's own format (JSON), stored under this key beside the tools' outputs. */
export const DNS_PROBE_KEY = "dns.probe";

/**
 * Runs every read-only capture through the Host. A missing tool is skipped with a note (a Pi
 * without ModemManager has no mmcli); a tool that fails keeps its output: its error is evidence.
 * Modem queries run one after another, so that the QMI proxy is not flooded.
 */
export async function collectSnapshot(
  host: Host,
  options: DiagnoseOptions,
  onSkip: (note: SkipNote) => void = () => {},
): Promise<Snapshot> {
  const captures = readOnlyCaptures(options);
  const snapshot = new Map<string, string>();
  const take = async (c: Capture) => {
    const text = await capture(host, c, onSkip);
    if (text !== null) snapshot.set(c.key, text);
  };
  const modem = captures.filter((c) => "program" in c && c.group === "modem");
  const resolv = captures.filter((c) => c.key === "resolv.conf");
  const rest = captures.filter((c) => !modem.includes(c) && !resolv.includes(c));
  // resolv.conf first, so the DNS probe runs beside the pings instead of after them: with a dead
  // upstream both wait for their timeouts, and the diagnosis should take one timeout, not two.
  for (const c of resolv) await take(c);
  await Promise.all([
    (async () => {
      for (const c of modem) await take(c);
    })(),
    ...rest.map(take),
    (async () => {
      const dns = await probeDns(host, options, snapshot.get("resolv.conf"));
      if (dns) snapshot.set(DNS_PROBE_KEY, dns);
    })(),
  ]);
  // A stable order makes snapshots diffable. (By code unit: localeCompare would load ICU's
  // collation data, ~3 MB of the agent's RSS, to sort ASCII keys.)
  return new Map([...snapshot].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function capture(host: Host, c: Capture, onSkip: (n: SkipNote) => void): Promise<string | null> {
  if ("file" in c) {
    const text = await host.readFile(c.file);
    if (text === null) onSkip({ key: c.key, why: `${c.file} does not exist` });
    return text;
  }
  const result = await host.run(c.program, c.args, { timeoutMs: c.timeoutMs });
  if (result.missing) {
    onSkip({ key: c.key, why: `${c.program} is not installed` });
    return null;
  }
  if (result.timedOut) {
    onSkip({ key: c.key, why: `${c.program} ${c.args.join(" ")} timed out after ${c.timeoutMs} ms` });
    return null;
  }
  // qmicli, ip and ping print their errors on stderr: keep both, the error is the evidence.
  return [result.stdout, result.stderr].filter((s) => s.length > 0).join("\n");
}

async function probeDns(host: Host, options: DiagnoseOptions, resolvConf: string | undefined) {
  if (!host.resolveDns || resolvConf === undefined) return null;
  const parsed = resolvConfKind.parse(resolvConf);
  if (!parsed.ok) return null;
  const servers = parsed.facts.nameservers.slice(0, 3);
  const name = options.probe.name;
  const timeoutMs = options.probe.timeoutS * 1000;
  const results = await Promise.all(
    servers.map(async (server) => ({ server, ...(await host.resolveDns!(name, server, timeoutMs)) })),
  );
  return JSON.stringify({ name, results }, null, 2) + "\n";
}
