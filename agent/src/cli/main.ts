import { agentVersion } from "../version.ts";
import { parseCli } from "./parse-cmd.ts";
import { endQuietlyWhenReaderCloses } from "./stdout.ts";

const USAGE = `usage: uplink-agent <command> [options]

commands:
  parse <kind> [file|-]         print the facts a tool's output holds, as JSON
  parse --list                  list the kinds
  snapshot <dir>                run every read-only diagnostic here; write <kind>.txt files
  diagnose [--from <dir>] [--json]
                                assess the seven layers of a snapshot, or of this machine live;
                                exit 0 no layer failing, 1 a layer failing, 2 usage or an
                                unreadable <dir>, 3 <dir> holds no capture to diagnose
  run --config <file> [--simulate <dir>]
                                the long-running agent: report over MQTT, run remote commands
  --version                     print the agent's version
`;

/** Routes a subcommand to its module; each returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // The long-running agent keeps the default: its stdout is the journal, and losing it is a fault.
  if (command !== "run") endQuietlyWhenReaderCloses();
  switch (command) {
    case "parse":
      return parseCli(rest);
    case "snapshot":
      return (await import("./snapshot-cmd.ts")).snapshotCli(rest);
    case "diagnose":
      return (await import("./diagnose-cmd.ts")).diagnoseCli(rest);
    case "run":
      return (await import("./run-cmd.ts")).runCli(rest);
    case "--version":
    case "version":
      process.stdout.write(`uplink-agent ${agentVersion()}\n`);
      return 0;
    case undefined:
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`uplink-agent: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}
