import { z } from "zod";
import { toInteger } from "./qmicli-fields.ts";
import { facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * qmicli's own error report. qmicli prints `error: <what failed>: <why>` on stderr and exits 1;
 * when the modem answered with a QMI error the reason reads `QMI protocol error (37):
 * 'UimUninitialized'` (libqmi's FieldResult code generator). That is evidence about the modem,
 * not a parse failure, so every qmicli kind reports it as `{ error: {...} }`.
 */
export const qmicliErrorSchema = z.object({
  /** Everything after `error: `, e.g. `couldn't get card status: QMI protocol error (37): 'UimUninitialized'`. */
  message: z.string().min(1),
  /** The QMI error code, when the modem sent one (a 16-bit field on the wire). */
  qmiCode: z.number().int().min(0).max(0xffff).optional(),
  /** libqmi's name for it, e.g. `UimUninitialized`, `NoEffect`, `CallFailed`. */
  qmiName: z.string().min(1).optional(),
});
export type QmicliError = z.infer<typeof qmicliErrorSchema>;

/** The facts of a qmicli kind whose command failed. */
export const qmicliErrorFactsSchema = z.object({ error: qmicliErrorSchema });

/**
 * What each qmicli action prints after `error: couldn't get ` when the modem refuses it
 * (libqmi 1.32 src/qmicli/*.c). An error naming another action's subject is that command's
 * output, not this one's. `the HW revision` is what --dms-get-operating-mode really prints
 * (copied from --dms-get-hardware-revision in libqmi).
 */
export const qmicliErrorSubjects = {
  "dms-get-ids": ["IDs"],
  "dms-get-operating-mode": ["the HW revision", "operating mode"],
  "uim-get-card-status": ["card status"],
  "nas-get-signal-strength": ["signal strength"],
  "nas-get-serving-system": ["serving system"],
  "wds-get-packet-service-status": ["packet service status"],
  "wds-get-current-settings": ["current settings"],
  "wda-get-data-format": ["data format"],
} as const satisfies Record<string, readonly string[]>;

export type QmicliAction = keyof typeof qmicliErrorSubjects;

/**
 * A line that starts with `error: ` (after any prompt, journald or `>` prefix). A quote before
 * `error:` is a value, e.g. `Card state: 'error: no-atr-received (3)'`, and does not count.
 */
const ERROR_LINE = /(?:^|[\s>:\]$#])error:[^\S\n]+([^\n]*\S)/m;
const QMI_PROTOCOL_ERROR = /QMI protocol error \((\d+)\): '([^'\n]+)'/;
const COULDNT_GET = /^couldn't get (.+?): /;
/** Lines only the qmi-network script prints (libqmi utils/qmi-network.in, the same since 1.16). */
const QMI_NETWORK_MARKERS =
  /Loading profile at |Profile at '[^'\n]*' not found|Starting network with '|Stopping network with '|Getting status with '|Loading previous state from |Saving state at |Clearing state at |error: network start failed|Network (?:started|stopped) successfully|Network already stopped/;

/** The first qmicli error in the text, or undefined when there is none. */
export function findQmicliError(text: string): QmicliError | undefined {
  const line = ERROR_LINE.exec(text);
  const message = line?.[1]?.trim();
  if (!message) return undefined;
  const protocol = QMI_PROTOCOL_ERROR.exec(message);
  const error: QmicliError = { message };
  if (protocol?.[1] !== undefined && protocol[2] !== undefined) {
    // A code that does not fit QMI's 16-bit field was damaged on the way; the name still stands.
    const code = toInteger(protocol[1], 0, 0xffff);
    if (code !== undefined) error.qmiCode = code;
    error.qmiName = protocol[2];
  }
  return error;
}

/**
 * The other qmicli action whose failure this message reports, when it is not `action`'s own.
 * Generic failures (opening the device, allocating a client, a timeout) belong to every action.
 */
export function foreignErrorAction(message: string, action: QmicliAction): QmicliAction | "wds-start-network" | undefined {
  if (/^couldn't (?:start|stop) network: /.test(message)) return "wds-start-network";
  const subject = COULDNT_GET.exec(message)?.[1];
  if (subject === undefined) return undefined;
  const own: readonly string[] = qmicliErrorSubjects[action];
  if (own.includes(subject)) return undefined;
  for (const [other, subjects] of Object.entries(qmicliErrorSubjects)) {
    if ((subjects as readonly string[]).includes(subject)) return other as QmicliAction;
  }
  return undefined;
}

/**
 * What a qmicli kind returns when its success output is not in the text: the error as a fact
 * when qmicli reported one for this action (or a generic one), otherwise not this kind.
 */
export function qmicliFailureOrNotThisKind(
  text: string,
  action: QmicliAction,
  missing: string,
): ParseResult<{ error: QmicliError }> {
  const error = findQmicliError(text);
  if (error === undefined) return notThisKind(missing);
  // qmi-network narrates the qmicli it runs: its output holds a qmicli error, but is its own kind.
  if (QMI_NETWORK_MARKERS.test(text)) return notThisKind(`This is qmi-network's output, not qmicli --${action}'s.`);
  const other = foreignErrorAction(error.message, action);
  if (other !== undefined) {
    return notThisKind(`This is the error of qmicli --${other}, not of --${action}.`);
  }
  return facts({ error });
}
