import type { Diagnosis, LayerHealth } from "@uplink/shared";
import { collectSnapshot } from "../diagnose/collect.ts";
import { DNS_PROBE_KEY } from "../diagnose/collect.ts";
import { kindOfKey } from "../diagnose/commands.ts";
import { diagnose } from "../diagnose/diagnose.ts";
import { readSnapshotDir } from "../diagnose/snapshot.ts";
import { ExecaHost } from "../host/execa-host.ts";
import { findKind } from "../parse/registry.ts";
import { DIAGNOSE_FLAGS, optionsOrError, parseCliArgs } from "./diagnose-flags.ts";

const MARK: Record<LayerHealth["state"], string> = { ok: "ok  ", degraded: "warn", failing: "FAIL", unknown: "?   " };

/**
 * The exit codes of `uplink-agent diagnose`, for scripts and monitoring (README, agent/README.md):
 * a layer failing on any link or on the host is 1 even when another link carries the traffic;
 * degraded and unknown layers are not failing.
 */
export const DIAGNOSE_EXIT = { ok: 0, layerFailing: 1, usage: 2, nothingToDiagnose: 3 } as const;

/** `uplink-agent diagnose [--from <dir>] [--json]`. */
export async function diagnoseCli(argv: string[]): Promise<number> {
  const args = parseCliArgs(argv, { ...DIAGNOSE_FLAGS, from: { type: "string" }, json: { type: "boolean" } });
  if (!args.ok || args.positionals.length > 0) {
    process.stderr.write(`uplink-agent diagnose: ${args.ok ? `unexpected ${args.positionals[0]}` : args.message}\n`);
    return DIAGNOSE_EXIT.usage;
  }
  const parsed = optionsOrError(args.values);
  if (!parsed.ok) {
    process.stderr.write(`uplink-agent diagnose: ${parsed.message}\n`);
    return DIAGNOSE_EXIT.usage;
  }
  const { options } = parsed;
  const from = args.values.from as string | undefined;
  let snapshot;
  try {
    snapshot = from ? await readSnapshotDir(from) : await collectSnapshot(new ExecaHost(), options);
  } catch (err) {
    process.stderr.write(`uplink-agent diagnose: cannot read ${from}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return DIAGNOSE_EXIT.usage;
  }
  if (from && !holdsCapture(snapshot)) {
    // Every layer would be "unknown": a wrong folder, not a diagnosis.
    process.stderr.write(
      `uplink-agent diagnose: ${from} holds no snapshot: no capture file uplink-agent knows (<kind>.txt such as ip.link.txt; uplink-agent parse --list names the kinds, uplink-agent snapshot <dir> writes them)\n`,
    );
    return DIAGNOSE_EXIT.nothingToDiagnose;
  }
  const report = diagnose(snapshot, options);
  process.stdout.write(args.values.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
  return failingLayer(report) ? DIAGNOSE_EXIT.layerFailing : DIAGNOSE_EXIT.ok;
}

/** A snapshot with at least one file the diagnosis reads: a parser's kind, or the DNS probe. */
function holdsCapture(snapshot: ReadonlyMap<string, string>): boolean {
  return [...snapshot.keys()].some((key) => key === DNS_PROBE_KEY || findKind(kindOfKey(key)) !== undefined);
}

function failingLayer(d: Diagnosis): boolean {
  return [...Object.values(d.links).flatMap((l) => l.layers), ...d.host.layers].some((l) => l.state === "failing");
}

export function formatReport(d: Diagnosis): string {
  const lines: string[] = [];
  const section = (title: string, root: string | null, layers: LayerHealth[]) => {
    lines.push(`${title}: ${root ? `root cause at layer ${layers.find((l) => l.name === root)?.layer} (${root})` : "no failing layer"}`);
    for (const l of layers) {
      const fix = l.state !== "ok" && l.fix ? `  -> fix: ${l.fix.name}${formatArgs(l.fix.args)}` : "";
      lines.push(`  ${MARK[l.state]} ${l.layer} ${l.name.padEnd(11)} ${l.summary}${l.cause ? ` [${l.cause}]` : ""}${fix}`);
    }
  };
  for (const [ifname, link] of Object.entries(d.links)) section(`${ifname} (${link.role})`, link.firstFailingLayer, link.layers);
  section("host", d.host.firstFailingLayer, d.host.layers);
  const s = d.selection;
  lines.push(`traffic: ${s.active ?? "none"}${s.onFallback ? " (fallback)" : ""}; preferred: ${s.preferred ?? "none"}: ${s.reason}`);
  return lines.join("\n") + "\n";
}

function formatArgs(args: Record<string, unknown>): string {
  const parts = Object.entries(args).map(([k, v]) => `--${k} ${String(v)}`);
  return parts.length ? ` ${parts.join(" ")}` : "";
}
