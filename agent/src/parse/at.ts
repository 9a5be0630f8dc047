import { z } from "zod";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * A transcript of AT commands to a SIMCom SIM7600 (or a sibling of the same command set) as a
 * person captures it: minicom/picocom/socat/atinout, an Arduino serial monitor, a library's debug
 * log. Commands may or may not be echoed, answers are separated by blank lines, and logging noise
 * sits in between. We read the answer lines by their keys (`+CPIN:`, `+CSQ:`, ...) wherever they
 * are and, when a command repeats, keep the last answer: it is the state the capture ended in.
 *
 * Formats: 3GPP TS 27.007 (+CPIN, +CSQ, +CREG/+CGREG/+CEREG, +COPS, +CME ERROR) and the SIMCom
 * SIM7500/SIM7600 Series AT Command Manual (+CPSI, +CUSBPIDSWITCH).
 */

const registrationStates = [
  "not-registered",
  "registered-home",
  "searching",
  "denied",
  "unknown",
  "registered-roaming",
] as const;

const registrationSchema = z.object({
  /** The unsolicited-result setting echoed by the read command; absent in a URC. */
  n: z.number().int().optional(),
  stat: z.number().int(),
  state: z.enum(registrationStates),
});

export const atFactsSchema = z.object({
  /** `READY`, `SIM PIN`, ... or the CME error that stands for the SIM state (`SIM not inserted`). */
  cpin: z.string().optional(),
  csq: z
    .object({
      rssi: z.number().int(),
      ber: z.number().int(),
      /** -113 + 2 * rssi; absent when rssi is 99 (not known or not detectable). */
      rssiDbm: z.number().optional(),
    })
    .optional(),
  creg: registrationSchema.optional(),
  cgreg: registrationSchema.optional(),
  cereg: registrationSchema.optional(),
  cops: z
    .object({
      mode: z.number().int(),
      format: z.number().int().optional(),
      operator: z.string().optional(),
      /** Access technology: 0 GSM, 2 UTRAN, 7 E-UTRAN, 9 NB-IoT, ... */
      act: z.number().int().optional(),
    })
    .optional(),
  cpsi: z
    .object({
      systemMode: z.string(),
      operationMode: z.string(),
      mcc: z.string().optional(),
      mnc: z.string().optional(),
      tac: z.string().optional(),
      cellId: z.number().optional(),
      pci: z.number().optional(),
      band: z.string().optional(),
      earfcn: z.number().optional(),
      rsrqDb: z.number().optional(),
      rsrpDbm: z.number().optional(),
      rssiDbm: z.number().optional(),
      sinrDb: z.number().optional(),
    })
    .optional(),
  /** The USB composition (PID) from `AT+CUSBPIDSWITCH?`, e.g. `9001` (QMI/RmNet). */
  usbPidSwitch: z.string().optional(),
  /** Every ERROR / +CME ERROR / +CMS ERROR line, as printed. */
  errors: z.array(z.string()),
});

export type AtFacts = z.infer<typeof atFactsSchema>;
type Registration = z.infer<typeof registrationSchema>;
type Cpsi = NonNullable<AtFacts["cpsi"]>;

// Terminal noise: ANSI escapes (minicom colours), and serial-monitor timestamps such as
// `04:27:39.324 -> ` or `[14:34:12.904]` in front of a line.
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
const LINE_PREFIX = /^\s*(?:\[?\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\]?\s*(?:->|<-|>)?\s*)/;
const ECHOED_COMMAND = /(?:^|[^A-Za-z0-9])AT([+$&^#][A-Za-z][A-Za-z0-9]*|[A-Za-z])/gi;
const RESPONSE = /(?:^|[^A-Za-z0-9])\+(CPIN|CSQ|CREG|CGREG|CEREG|COPS|CPSI|CUSBPIDSWITCH):\s*(.*)$/i;
const CME = /(?:^|[^A-Za-z0-9])\+(CME|CMS) ERROR:\s*(.*)$/i;
const FINAL = /^(OK|ERROR|NO CARRIER)$/;
// A CME error that is the SIM's state whatever command provoked it (a modem without a SIM answers
// AT+CIMI or AT+COPS? with it too), so it fills `cpin` when no +CPIN answer says otherwise.
const SIM_STATE_ERROR = /^SIM (not inserted|failure|busy|wrong|PIN required|PUK required)$|^10$|^13$/i;

function intOrUndefined(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (!/^-?\d+$/.test(t)) return undefined;
  // A line-noise run of digits is not a number the modem sent.
  const n = Number.parseInt(t, 10);
  return Number.isSafeInteger(n) ? n : undefined;
}

function registrationWord(stat: number): Registration["state"] {
  // 27.007 also has 6..11 (SMS-only, emergency-only, CSFB-not-preferred): fold them onto the
  // six words the layers reason about; an SMS-only registration still carries no data.
  switch (stat) {
    case 0:
    case 8:
    case 11:
      return "not-registered";
    case 1:
    case 6:
    case 9:
      return "registered-home";
    case 2:
      return "searching";
    case 3:
      return "denied";
    case 5:
    case 7:
    case 10:
      return "registered-roaming";
    default:
      return "unknown";
  }
}

/** `+CREG: <n>,<stat>[,...]` (read answer) or `+CREG: <stat>[,"lac","ci"...]` (URC). */
function parseRegistration(rest: string): Registration | undefined {
  const fields = rest.split(",").map((f) => f.trim());
  const first = intOrUndefined(fields[0]);
  const second = intOrUndefined(fields[1]);
  if (first === undefined) return undefined;
  if (second !== undefined) return { n: first, stat: second, state: registrationWord(second) };
  return { stat: first, state: registrationWord(first) };
}

function parseCops(rest: string): AtFacts["cops"] {
  // The quoted operator may contain commas; take it out before splitting.
  const m = /^(\d{1,9})(?:\s*,\s*(\d{1,9})\s*(?:,\s*"([^"]*)"\s*(?:,\s*(\d{1,9}))?)?)?\s*$/.exec(rest.trim());
  if (!m?.[1]) return undefined;
  const cops: NonNullable<AtFacts["cops"]> = { mode: Number.parseInt(m[1], 10) };
  if (m[2] !== undefined) cops.format = Number.parseInt(m[2], 10);
  if (m[3] !== undefined) cops.operator = m[3];
  if (m[4] !== undefined) cops.act = Number.parseInt(m[4], 10);
  return cops;
}

/**
 * SIM7600 manual, AT+CPSI? for LTE:
 * `LTE,Online,460-00,0x5A1E,187214610,257,EUTRAN-BAND3,1825,5,5,-94,-850,-545,15` =
 * mode, operation, MCC-MNC, TAC, SCellID, PCellID, band, EARFCN, dlbw, ulbw, RSRQ, RSRP, RSSI,
 * RSSNR. RSRQ/RSRP/RSSI are printed in tenths (-850 is -85.0 dBm, the manual's "-1/10 dBm");
 * RSSNR is taken as printed in dB (the SIM7000/SIM7080 CAT-M manuals give SINR = 2*RSSNR-20 for
 * their firmware, the SIM7600 manual does not).
 */
function parseCpsi(rest: string): Cpsi | undefined {
  const f = rest.split(",").map((x) => x.trim());
  const systemMode = f[0];
  const operationMode = f[1];
  if (!systemMode || operationMode === undefined) return undefined;
  const cpsi: Cpsi = { systemMode, operationMode };
  const plmn = /^(\d{3})-(\d{2,3})$/.exec(f[2] ?? "");
  if (plmn?.[1] && plmn[2]) {
    cpsi.mcc = plmn[1];
    cpsi.mnc = plmn[2];
  }
  // Only the plain LTE line has the layout above; GSM/WCDMA/NB-IoT lines differ in meaning.
  if (systemMode.toUpperCase() === "LTE" && f.length >= 14) {
    if (f[3]) cpsi.tac = f[3];
    const cellId = intOrUndefined(f[4]);
    if (cellId !== undefined) cpsi.cellId = cellId;
    const pci = intOrUndefined(f[5]);
    if (pci !== undefined) cpsi.pci = pci;
    if (f[6]) cpsi.band = f[6];
    const earfcn = intOrUndefined(f[7]);
    if (earfcn !== undefined) cpsi.earfcn = earfcn;
    const rsrq = intOrUndefined(f[10]);
    const rsrp = intOrUndefined(f[11]);
    const rssi = intOrUndefined(f[12]);
    const rssnr = intOrUndefined(f[13]);
    if (rsrq !== undefined) cpsi.rsrqDb = rsrq / 10;
    if (rsrp !== undefined) cpsi.rsrpDbm = rsrp / 10;
    if (rssi !== undefined) cpsi.rssiDbm = rssi / 10;
    if (rssnr !== undefined) cpsi.sinrDb = rssnr;
  } else if (f[6] && /BAND/i.test(f[6])) {
    cpsi.band = f[6];
  }
  return cpsi;
}

function cleanLines(text: string): string[] {
  return text
    .replace(ANSI, "")
    .split(/\r\n|\r|\n/)
    .map((l) => l.replace(LINE_PREFIX, "").trim());
}

export function parseAt(text: string): ParseResult<AtFacts> {
  if (typeof text !== "string") return notThisKind("the input is not text");
  const out: AtFacts = { errors: [] };
  let lastCommand: string | undefined;
  let cpinFromAnswer = false;
  let sawAnswer = false;
  let sawCommand = false;
  let sawFinal = false;

  for (const line of cleanLines(text)) {
    if (line === "") continue;

    const response = RESPONSE.exec(line);
    const cme = CME.exec(line);
    // Commands first, so an error on the same line as its echo is attributed to it.
    if (!response && !cme) {
      for (const m of line.matchAll(ECHOED_COMMAND)) {
        if (m[1]) {
          lastCommand = m[1].toUpperCase();
          sawCommand = true;
        }
      }
    }
    if (FINAL.test(line)) {
      sawFinal = true;
      if (line === "ERROR") out.errors.push(line);
      continue;
    }
    if (cme) {
      const message = (cme[2] ?? "").trim();
      sawFinal = true;
      out.errors.push(`+${(cme[1] ?? "CME").toUpperCase()} ERROR: ${message}`);
      const forCpin = lastCommand === "+CPIN";
      if (forCpin || (SIM_STATE_ERROR.test(message) && !cpinFromAnswer)) out.cpin = message;
      continue;
    }
    if (!response?.[1]) continue;
    const key = response[1].toUpperCase();
    const rest = (response[2] ?? "").trim();
    // `AT+X=?` (test command) answers list ranges in parentheses: not a state.
    if (rest.startsWith("(")) continue;

    switch (key) {
      case "CPIN": {
        if (rest === "") break;
        out.cpin = rest;
        cpinFromAnswer = true;
        sawAnswer = true;
        break;
      }
      case "CSQ": {
        const [r, b] = rest.split(",");
        const rssi = intOrUndefined(r);
        const ber = intOrUndefined(b);
        if (rssi === undefined || ber === undefined) break;
        out.csq = rssi === 99 || rssi < 0 || rssi > 31 ? { rssi, ber } : { rssi, ber, rssiDbm: -113 + 2 * rssi };
        sawAnswer = true;
        break;
      }
      case "CREG":
      case "CGREG":
      case "CEREG": {
        const reg = parseRegistration(rest);
        if (!reg) break;
        if (key === "CREG") out.creg = reg;
        else if (key === "CGREG") out.cgreg = reg;
        else out.cereg = reg;
        sawAnswer = true;
        break;
      }
      case "COPS": {
        const cops = parseCops(rest);
        if (!cops) break;
        out.cops = cops;
        sawAnswer = true;
        break;
      }
      case "CPSI": {
        const cpsi = parseCpsi(rest);
        if (!cpsi) break;
        out.cpsi = cpsi;
        sawAnswer = true;
        break;
      }
      case "CUSBPIDSWITCH": {
        const m = /^([0-9A-Fa-f]{4})\b/.exec(rest);
        if (!m?.[1]) break;
        out.usbPidSwitch = m[1].toUpperCase();
        sawAnswer = true;
        break;
      }
    }
  }

  if (!sawAnswer && out.errors.length === 0 && !(sawCommand && sawFinal)) {
    return notThisKind("no AT answers (+CPIN, +CSQ, +CREG, +COPS, +CPSI, OK/ERROR): this is not an AT transcript");
  }
  return facts(out);
}

export const atKind = defineKind({
  kind: "at",
  source: "AT transcript from the SIM7600 AT port (e.g. atinout or socat on /dev/ttyUSB2)",
  schema: atFactsSchema,
  parse: parseAt,
});
