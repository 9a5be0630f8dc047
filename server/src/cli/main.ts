import { resolve } from "node:path";
import { isUplinkError } from "../errors.ts";
import { CliError, createApiClient, EXIT } from "./api-client.ts";
import { splitArgv, UsageError } from "./command-args.ts";
import { deviceAddCommand, tokenAddCommand } from "./commands-admin.ts";
import { devicesCommand, showCommand, watchCommand } from "./commands-fleet.ts";
import { runCommand } from "./commands-run.ts";
import { processIo, type CliIo } from "./io.ts";
import { argNames, catalogText, didYouMean } from "./suggest.ts";
import { COMMAND_NAMES, isCommandName } from "@uplink/shared";

export const USAGE = `usage: uplink <command> [options]

commands:
  devices [--online true|false] [--root-cause LAYER|none] [--link IF]   the fleet
  show <device>                                   one device: links, root cause, events
  run <device> <command> [--ARG VALUE...] [--wait] [--expires-in S]
                                                  issue a catalog command; --wait prints each step
  watch [<device>]                                live events and command steps
  device add <id> [--data DIR]                    add a device; prints its password once
  token add <name> [--data DIR]                   add an operator token; prints it once

options:
  --server URL   the server (env UPLINK_SERVER; default http://127.0.0.1:8080)
  --token T      an operator token (env UPLINK_TOKEN)
  --data DIR     device add / token add straight into a data directory, no server needed
  --json         machine-readable output

catalog (uplink run <device> <command> --ARG VALUE):
${catalogText()}

exit codes: 0 ok, 1 the command failed on the device, 2 usage, 3 server unreachable, 4 refused by the server
`;

const BOOLEANS = new Set(["json", "wait", "help"]);
const GLOBAL = new Set(["server", "token", "data"]);
const COMMANDS = ["devices", "show", "run", "watch", "device", "token", "help"];
const OPTIONS: Record<string, readonly string[]> = { devices: ["online", "root-cause", "link"], run: ["wait", "expires-in"] };

/** Pure: null when `--key` is an option of the command so far, else why not (with the closest one). */
export function optionRefusal(key: string, positionals: readonly string[]): string | null {
  if (GLOBAL.has(key) || key === "json" || key === "help") return null;
  const [cmd, , name] = positionals;
  if (cmd === undefined) return `unknown option --${key}${didYouMean(key, [...GLOBAL, "json", "help"])}`;
  const own = [...(OPTIONS[cmd] ?? []), ...(cmd === "run" && name ? argNames(name) : [])];
  if (own.includes(key)) return null;
  // Before the catalog command's name, its arguments are not known yet: they are checked with it.
  if (cmd === "run" && name === undefined) return null;
  const what = cmd === "run" && name ? `uplink run ... ${name}` : `uplink ${cmd}`;
  const list = own.length ? ` (it takes ${own.map((o) => `--${o}`).join(", ")})` : "";
  return `${what}: unknown option --${key}${didYouMean(key, [...own, ...GLOBAL])}${list}`;
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    const { positionals, options, flags } = splitArgv(argv, BOOLEANS, optionRefusal);
    const opt = (k: string) => options.find(([key]) => key === k)?.[1];
    const json = flags.has("json");
    const [cmd, ...rest] = positionals;
    if (!cmd || flags.has("help") || cmd === "help") {
      io.out(USAGE);
      return cmd || flags.has("help") ? EXIT.ok : EXIT.usage;
    }
    const server = opt("server") ?? io.env.UPLINK_SERVER ?? "http://127.0.0.1:8080";
    const api = createApiClient(server, opt("token") ?? io.env.UPLINK_TOKEN);
    const dataOpt = opt("data");
    const dataDir = dataOpt ? resolve(dataOpt) : undefined;
    const need = (n: number, what: string) => {
      if (rest.length < n) throw new UsageError(`uplink ${cmd}: missing ${what}`);
    };

    switch (cmd) {
      case "devices": {
        const q = new URLSearchParams();
        if (opt("online")) q.set("online", opt("online")!);
        if (opt("root-cause")) q.set("rootCause", opt("root-cause")!);
        if (opt("link")) q.set("link", opt("link")!);
        return await devicesCommand(api, io, json, q.size ? `?${q}` : "", q.size > 0);
      }
      case "show":
        need(1, "<device>");
        return await showCommand(api, io, json, rest[0]!);
      case "run": {
        if (rest.length < 2) throw new UsageError(`uplink run: missing <device> <command>; the catalog:\n${catalogText()}`);
        if (!isCommandName(rest[1])) throw new UsageError(`uplink run: no command "${rest[1]}" in the catalog${didYouMean(rest[1]!, COMMAND_NAMES)}`);
        const expires = opt("expires-in");
        return await runCommand(api, io, {
          json,
          wait: flags.has("wait"),
          deviceId: rest[0]!,
          name: rest[1]!,
          pairs: options.filter(([k]) => !GLOBAL.has(k) && k !== "expires-in"),
          expiresInS: expires ? Number(expires) : undefined,
        });
      }
      case "watch": {
        const ctrl = new AbortController();
        process.once("SIGINT", () => ctrl.abort());
        // Nobody reads any more (`uplink watch | head -3`): stop, as after ^C.
        if (io.outClosed?.aborted) ctrl.abort();
        else io.outClosed?.addEventListener("abort", () => ctrl.abort(), { once: true });
        // An unknown device would be watched in silence forever: ask the server first.
        if (rest[0] !== undefined) await api.get(`/api/v1/devices/${encodeURIComponent(rest[0])}`);
        return await watchCommand(api, io, json, rest[0], ctrl.signal);
      }
      case "device":
        if (rest[0] !== "add") throw new UsageError("uplink device: use `device add <id>`");
        need(2, "<id>");
        return await deviceAddCommand(io, { json, id: rest[1]!, dataDir, api });
      case "token":
        if (rest[0] !== "add") throw new UsageError("uplink token: use `token add <name>`");
        need(2, "<name>");
        return await tokenAddCommand(io, { json, name: rest[1]!, dataDir, api });
      default:
        throw new UsageError(`unknown command "${cmd}"${didYouMean(cmd, COMMANDS)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`uplink: ${err.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (err instanceof CliError) {
      io.err(`uplink: ${err.message}\n`);
      return err.exitCode;
    }
    if (isUplinkError(err)) {
      io.err(`uplink: ${err.code}: ${err.message}\n`);
      return err.statusCode < 500 ? EXIT.usage : EXIT.api;
    }
    io.err(`uplink: ${(err as Error).message}\n`);
    return EXIT.api;
  }
}
