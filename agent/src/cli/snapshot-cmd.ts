import { collectSnapshot } from "../diagnose/collect.ts";
import { writeSnapshotDir } from "../diagnose/snapshot.ts";
import { ExecaHost } from "../host/execa-host.ts";
import { DIAGNOSE_FLAGS, optionsOrError, parseCliArgs } from "./diagnose-flags.ts";

const USAGE = "usage: uplink-agent snapshot <dir> [--wifi IF] [--cellular IF] [--qmi-device DEV] [--probe-ip IP] [--probe-name NAME]\n";

/** `uplink-agent snapshot <dir>`: a support bundle of every read-only diagnostic, one file each. */
export async function snapshotCli(argv: string[]): Promise<number> {
  const args = parseCliArgs(argv, DIAGNOSE_FLAGS);
  if (!args.ok || args.positionals.length !== 1) {
    process.stderr.write(`${args.ok ? "" : `uplink-agent snapshot: ${args.message}\n`}${USAGE}`);
    return 2;
  }
  const options = optionsOrError(args.values);
  if (!options.ok) {
    process.stderr.write(`uplink-agent snapshot: ${options.message}\n`);
    return 2;
  }
  const dir = args.positionals[0]!;
  const skipped: string[] = [];
  const snapshot = await collectSnapshot(new ExecaHost(), options.options, (n) => skipped.push(`${n.key}: ${n.why}`));
  await writeSnapshotDir(dir, snapshot);
  process.stdout.write(`wrote ${snapshot.size} files to ${dir}\n`);
  for (const line of skipped) process.stdout.write(`skipped ${line}\n`);
  return 0;
}
