import { parseArgs, type ParseArgsConfig } from "node:util";
import { defaultDiagnoseOptions, type DiagnoseOptions } from "../diagnose/options.ts";

/** The flags `snapshot` and `diagnose` share: which links, which probe targets. */
export const DIAGNOSE_FLAGS = {
  wifi: { type: "string" },
  cellular: { type: "string" },
  "qmi-device": { type: "string" },
  "probe-ip": { type: "string" },
  "probe-name": { type: "string" },
} as const;

type Flags = { [K in keyof typeof DIAGNOSE_FLAGS]?: string };

export function optionsFromFlags(flags: Flags): DiagnoseOptions {
  return defaultDiagnoseOptions({
    links: { wifi: flags.wifi ?? "wlan0", cellular: flags.cellular ?? "wwan0" },
    ...(flags["qmi-device"] ? { qmiDevice: flags["qmi-device"] } : {}),
    probe: {
      ip: flags["probe-ip"] ?? "8.8.8.8",
      name: flags["probe-name"] ?? "google.com",
      timeoutS: 2,
    },
  });
}

/** parseArgs without the throw: a bad flag is one line on stderr and exit 2. */
export function parseCliArgs(argv: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
    return { ok: true as const, values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    return { ok: false as const, message: (err as Error).message };
  }
}

export function optionsOrError(values: Record<string, unknown>): { ok: true; options: DiagnoseOptions } | { ok: false; message: string } {
  try {
    return { ok: true, options: optionsFromFlags(values as Flags) };
  } catch (err) {
    const issue = (err as { issues?: { path: PropertyKey[]; message: string }[] }).issues?.[0];
    return { ok: false, message: issue ? `${issue.path.join(".")}: ${issue.message}` : (err as Error).message };
  }
}
