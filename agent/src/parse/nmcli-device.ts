import { z } from "zod";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `nmcli device` / `nmcli device status` (a table under `DEVICE TYPE STATE CONNECTION`) and
 * `nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device` (colon-separated, `\:` escapes a colon in a
 * connection name). The state is matched against NetworkManager's words rather than by column
 * position, so a capture whose padding collapsed to single spaces still parses; a connection
 * name may contain spaces (`Wired connection 1`).
 */
export const nmcliDeviceFactsSchema = z.object({
  devices: z.array(
    z.object({
      device: z.string(),
      type: z.string(),
      /** As printed: `connected`, `unavailable`, `connecting (getting IP configuration)`, ... */
      state: z.string(),
      /** `null` where nmcli prints `--` (or nothing, in terse mode). */
      connection: z.string().nullable(),
    }),
  ),
  /** nmcli's own error, e.g. `NetworkManager is not running.` */
  error: z.string().optional(),
});

export type NmcliDeviceFacts = z.infer<typeof nmcliDeviceFactsSchema>;
type Device = NmcliDeviceFacts["devices"][number];

const STATE =
  "(?:connected|connecting|disconnected|disconnecting|deactivating|unavailable|unmanaged|failed|unknown)(?: \\([^)]*\\))?";
const STATE_ONLY = new RegExp(`^${STATE}$`);
const ROW = new RegExp(`^(\\S+)\\s+(\\S+)\\s+(${STATE})(?:\\s+(.*?))?\\s*$`);
const HEADER = /^DEVICE\s+TYPE\s+STATE\b/;
const ERROR_LINE = /^Error:\s*(.+?)\s*$/m;

const connectionOf = (v: string | undefined): string | null =>
  v === undefined || v.trim() === "" || v.trim() === "--" ? null : v.trim();

/** Splits a terse line on unescaped colons and unescapes `\:` and `\\`. */
function splitTerse(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && i + 1 < line.length) {
      cur += line[i + 1];
      i++;
    } else if (c === ":") {
      out.push(cur);
      cur = "";
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

export function parseNmcliDevice(text: string): ParseResult<NmcliDeviceFacts> {
  if (typeof text !== "string") return notThisKind("the input is not text");
  const lines = text.split(/\r\n|\r|\n/).map((l) => l.trimEnd());
  const table: Device[] = [];
  const terse: Device[] = [];
  let inTable = false;
  let sawHeader = false;

  for (const raw of lines) {
    const line = raw.trim();
    if (HEADER.test(line)) {
      inTable = true;
      sawHeader = true;
      continue;
    }
    if (inTable) {
      const m = ROW.exec(line);
      if (m?.[1] && m[2] && m[3]) {
        table.push({ device: m[1], type: m[2], state: m[3], connection: connectionOf(m[4]) });
        continue;
      }
      if (line === "") continue;
      inTable = false;
    }
    const f = splitTerse(line);
    if (f.length >= 3 && f.length <= 4 && f[0] && f[1] && f[2] && !/\s/.test(f[0]) && STATE_ONLY.test(f[2])) {
      terse.push({ device: f[0], type: f[1], state: f[2], connection: connectionOf(f[3]) });
    }
  }

  if (sawHeader) return facts({ devices: table });
  if (terse.length > 0) return facts({ devices: terse });
  const err = ERROR_LINE.exec(text);
  if (err?.[1]) return facts({ devices: [], error: err[1] });
  return notThisKind("no `DEVICE TYPE STATE` table and no `device:type:state:connection` lines: this is not `nmcli device` output");
}

export const nmcliDeviceKind = defineKind({
  kind: "nmcli.device",
  source: "nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device",
  schema: nmcliDeviceFactsSchema,
  parse: parseNmcliDevice,
});
