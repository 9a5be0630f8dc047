import { z } from "zod";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `mmcli -m N` in both shapes: the boxed text (`  Status   |   state: connected`) and the JSON of
 * `mmcli -J -m N`. Field names follow the JSON (`modem.generic.*`, `modem.3gpp.*`); the text form
 * is read by its keys, so a web capture that lost the alignment or carries a prompt still parses.
 * ModemManager 1.10 printed `dbus path` and `revision` where 1.14+ prints `path` and
 * `firmware revision`; neither is a fact here, so both shapes read the same.
 */
export const mmcliModemFactsSchema = z.object({
  /** `connected`, `registered`, `failed`, `disabled`, ...; `unknown` with `error` when mmcli failed. */
  state: z.string(),
  failedReason: z.string().optional(),
  powerState: z.string().optional(),
  accessTechnologies: z.array(z.string()),
  signalQualityPercent: z.number().optional(),
  operatorName: z.string().optional(),
  operatorCode: z.string().optional(),
  registrationState: z.string().optional(),
  simPath: z.string().optional(),
  primaryPort: z.string().optional(),
  /** As printed, with the port type: `ttyUSB2 (at)`, `cdc-wdm0 (qmi)`. */
  ports: z.array(z.string()),
  model: z.string().optional(),
  manufacturer: z.string().optional(),
  bearers: z.array(z.string()),
  /** mmcli's own error, e.g. `couldn't find modem`. */
  error: z.string().optional(),
});

export type MmcliModemFacts = z.infer<typeof mmcliModemFactsSchema>;

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
const ERROR_LINE = /^\s*error:\s*(.+?)\s*$/m; // mmcli says `error:`; iproute2 and nmcli `Error:`
const LIBQMI_ERROR =
  /QmiDevice|QMI protocol error|CID allocation|couldn't create client for the '|couldn't (?:get|start|stop|set) (?:network|packet service status|current settings|data format|IDs|card status|signal strength|serving system|operating mode|the HW revision)|Transaction timed out|network start failed|qmi-network-state-|Loading profile at |Profile at '/;
// mmcli prints `--` for "no value".
const present = (v: string | undefined): string | undefined =>
  v === undefined || v.trim() === "" || v.trim() === "--" ? undefined : v.trim();
const list = (v: string | undefined): string[] =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "" && s !== "--");

function percent(v: string | undefined): number | undefined {
  const m = /(\d+(?:\.\d+)?)\s*%?/.exec(v ?? "");
  return m?.[1] ? Number(m[1]) : undefined;
}

function emptyFacts(state: string): MmcliModemFacts {
  return { state, accessTechnologies: [], ports: [], bearers: [] };
}

// ---------- text form ----------

// A key is lowercase words before the first colon. `allowed:` starts the continuation lines of
// the Modes section's value and is never a key of its own.
const KEY_VALUE = /^([a-z][a-z0-9 /.-]*?)\s*:\s?(.*)$/;

interface Field {
  section: string;
  key: string;
  value: string;
}

function textFields(text: string): Field[] {
  const fields: Field[] = [];
  let section = "";
  for (const raw of text.replace(ANSI, "").split(/\r\n|\r|\n/)) {
    // Forum captures keep BBCode colour tags around the interesting lines.
    const line = raw.replace(/\[\/?COLOR[^\]]*\]/gi, "");
    const bar = line.indexOf("|");
    if (bar < 0) continue;
    const left = line.slice(0, bar).trim();
    const right = line.slice(bar + 1).trim();
    if (left !== "") section = left;
    const kv = KEY_VALUE.exec(right);
    if (kv?.[1] && kv[1] !== "allowed") {
      fields.push({ section, key: kv[1], value: (kv[2] ?? "").trim() });
    } else {
      const last = fields[fields.length - 1];
      if (last && right !== "") last.value = last.value === "" ? right : `${last.value}, ${right}`;
    }
  }
  // Continuations of comma lists end with a trailing comma on the line before.
  for (const f of fields) f.value = f.value.replace(/,\s*,/g, ",");
  return fields;
}

function fromText(fields: Field[]): MmcliModemFacts | undefined {
  const get = (key: string, section?: string) =>
    fields.find((f) => f.key === key && (section === undefined || f.section === section))?.value;
  const state = present(get("state", "Status"));
  if (state === undefined) return undefined;
  const out = emptyFacts(state);
  const set = <K extends keyof MmcliModemFacts>(k: K, v: MmcliModemFacts[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("failedReason", present(get("failed reason")));
  set("powerState", present(get("power state")));
  out.accessTechnologies = list(get("access tech"));
  set("signalQualityPercent", percent(present(get("signal quality"))));
  set("operatorName", present(get("operator name")));
  set("operatorCode", present(get("operator id")));
  set("registrationState", present(get("registration")));
  set("simPath", present(get("primary sim path") ?? get("path", "SIM") ?? get("dbus path", "SIM")));
  set("primaryPort", present(get("primary port")));
  out.ports = list(get("ports"));
  set("model", present(get("model", "Hardware")));
  set("manufacturer", present(get("manufacturer", "Hardware")));
  out.bearers = list(get("paths", "Bearer") ?? get("dbus path", "Bearer") ?? get("path", "Bearer"));
  return out;
}

// ---------- JSON form ----------

const str = (v: unknown): string | undefined => (typeof v === "string" ? present(v) : undefined);
const strList = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && present(x) !== undefined) : [];
const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function fromJson(text: string): MmcliModemFacts | undefined {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
  const modem = obj(obj(doc)["modem"]);
  const generic = obj(modem["generic"]);
  const gpp = obj(modem["3gpp"]);
  const state = str(generic["state"]);
  if (state === undefined) return undefined;
  const out = emptyFacts(state);
  const set = <K extends keyof MmcliModemFacts>(k: K, v: MmcliModemFacts[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("failedReason", str(generic["state-failed-reason"]));
  set("powerState", str(generic["power-state"]));
  out.accessTechnologies = strList(generic["access-technologies"]);
  set("signalQualityPercent", percent(str(obj(generic["signal-quality"])["value"])));
  set("operatorName", str(gpp["operator-name"]));
  set("operatorCode", str(gpp["operator-code"]));
  set("registrationState", str(gpp["registration-state"]));
  set("simPath", str(generic["sim"]));
  set("primaryPort", str(generic["primary-port"]));
  out.ports = strList(generic["ports"]);
  set("model", str(generic["model"]));
  set("manufacturer", str(generic["manufacturer"]));
  out.bearers = strList(generic["bearers"]);
  return out;
}

export function parseMmcliModem(text: string): ParseResult<MmcliModemFacts> {
  if (typeof text !== "string") return notThisKind("the input is not text");
  const clean = text.replace(ANSI, "");
  const result = fromJson(clean) ?? fromText(textFields(clean));
  if (result) return facts(result);
  const err = ERROR_LINE.exec(clean);
  // libqmi's errors (qmicli, qmi-network) read `error: couldn't ...` too, but name QMI's own
  // objects; mmcli's name the modem, the bearer or the SIM (`couldn't find modem`).
  if (err?.[1] && !LIBQMI_ERROR.test(clean)) return facts({ ...emptyFacts("unknown"), error: err[1] });
  return notThisKind("no modem state (`Status | state:` or `modem.generic.state`): this is not `mmcli -m` output");
}

export const mmcliModemKind = defineKind({
  kind: "mmcli.modem",
  source: "mmcli -m 0 (or mmcli -J -m 0)",
  schema: mmcliModemFactsSchema,
  parse: parseMmcliModem,
});
