import type { Diagnosis, LayerHealth } from "@uplink/shared";
import { collectSnapshot } from "../diagnose/collect.ts";
import { diagnose } from "../diagnose/diagnose.ts";
import { readSnapshotDir } from "../diagnose/snapshot.ts";
import { ExecaHost } from "../host/execa-host.ts";
import { DIAGNOSE_FLAGS, optionsOrError, parseCliArgs } from "./diagnose-flags.ts";

const MARK: Record<LayerHealth["state"], string> = { ok: "ok  ", degraded: "warn", failing: "FAIL", unknown: "?   " };

/** `uplink-agent diagnose [--from <dir>] [--json]`. */
export async function diagnoseCli(argv: string[]): Promise<number> {
  const args = parseCliArgs(argv, { ...DIAGNOSE_FLAGS, from: { type: "string" }, json: { type: "boolean" } });
  if (!args.ok || args.positionals.length > 0) {
    process.stderr.write(`uplink-agent diagnose: ${args.ok ? `unexpected ${args.positionals[0]}` : args.message}\n`);
    return 2;
  }
  const parsed = optionsOrError(args.values);
  if (!parsed.ok) {
    process.stderr.write(`uplink-agent diagnose: ${parsed.message}\n`);
    return 2;
  }
  const { options } = parsed;
  const from = args.values.from as string | undefined;
  let snapshot;
  try {
    snapshot = from ? await readSnapshotDir(from) : await collectSnapshot(new ExecaHost(), options);
  } catch (err) {
    process.stderr.write(`uplink-agent diagnose: cannot read ${from}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return 2;
  }
  const report = diagnose(snapshot, options);
  process.stdout.write(args.values.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
  return 0;
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
