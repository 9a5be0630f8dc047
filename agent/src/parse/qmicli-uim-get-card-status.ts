import { z } from "zod";
import { qmicliErrorFactsSchema, qmicliFailureOrNotThisKind } from "./qmicli-error.ts";
import { quotedValue } from "./qmicli-fields.ts";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `qmicli -d /dev/cdc-wdm0 --uim-get-card-status` (libqmi src/qmicli/qmicli-uim.c):
 *
 *   [/dev/cdc-wdm0] Successfully got card status
 *   Provisioning applications:
 *   	Primary GW:   slot '1', application '1'
 *   ...
 *   Slot [1]:
 *   	Card state: 'present'                          or 'error: no-atr-received (3)'
 *   	UPIN state: 'not-initialized'
 *   	Application [1]:
 *   		Application type:  'usim (2)'
 *   		Application state: 'ready'
 *   		PIN1 state: 'disabled'
 *
 * Modems with two slots (eSIM + tray) print one block per slot, so the facts describe the card
 * the modem provisions for GSM/UMTS/LTE (`Primary GW`), else the first present card, else the
 * first slot. libqmi before 1.22 printed `Card [0]:` and 0-based indexes instead of `Slot [1]:`
 * (and the `Primary GW` slot and application 0-based too), and before 1.28 a card error without
 * its closing quote.
 */
export const cardStatusSchema = z.object({
  cardState: z.enum(["present", "absent", "error"]),
  /** libqmi's QmiUimCardError name, e.g. `no-atr-received`, when `cardState` is `error`. */
  cardError: z.string().min(1).optional(),
  /** e.g. `enabled-verified`, `enabled-not-verified`, `disabled`, `blocked`. */
  pin1State: z.string().min(1).optional(),
  /** e.g. `ready`, `detected`, `pin1-or-upin-pin-required`, `illegal`. */
  applicationState: z.string().min(1).optional(),
  upinState: z.string().min(1).optional(),
});
export type CardStatus = z.infer<typeof cardStatusSchema>;

export const uimGetCardStatusSchema = z.union([cardStatusSchema, qmicliErrorFactsSchema]);
export type UimGetCardStatus = z.infer<typeof uimGetCardStatusSchema>;

const SLOT_HEADER = /(?:Slot|Card) \[(\d+)\]:/g;
const APPLICATION_HEADER = /Application \[\d+\]:/g;
const CARD_STATE = /^(present|absent|error)(?::\s*(.*?))?(?:\s*\(\d+\))?$/;
const PRIMARY_GW = /Primary GW:\s*slot '(\d+)', application '(\d+)'/;
/**
 * `Card state: 'present'`, or for a card in error `Card state: 'error: no-atr-received (3)'`:
 * libqmi before 1.28 printed the error without its closing quote (fixed by commit 5dab88f8,
 * "qmicli,uim: add missing quote", 2020-07-04), so the value is read up to its `(code)`.
 */
const CARD_STATE_VALUE = /(?<![\w-])Card state:[^\S\n]*'(error: [\w-]+ \(\d+\)|[a-z]+['\u2019])/;

function cardStateOf(body: string): string | undefined {
  const value = CARD_STATE_VALUE.exec(body)?.[1];
  return value === undefined ? quotedValue(body, "Card state") : value.replace(/['\u2019]$/, "");
}

/** Split `text` at each match of `header` (a global regex); the text before the first is dropped. */
function blocks(text: string, header: RegExp): { index: number; body: string }[] {
  const starts = [...text.matchAll(header)];
  return starts.map((m, i) => ({
    index: Number(m[1] ?? i),
    body: text.slice((m.index ?? 0) + m[0].length, starts[i + 1]?.index ?? text.length),
  }));
}

export function parseUimGetCardStatus(text: string): ParseResult<UimGetCardStatus> {
  const slots = blocks(text, SLOT_HEADER).filter((s) => cardStateOf(s.body) !== undefined);
  if (slots.length === 0) {
    return qmicliFailureOrNotThisKind(text, "uim-get-card-status", "No `Card state: '...'` line under a `Slot [n]:` of a card status.");
  }

  const primary = PRIMARY_GW.exec(text);
  // Old libqmi printed 0-based slot numbers in both places, new libqmi 1-based: they stay comparable.
  const primarySlot = primary ? slots.find((s) => s.index === Number(primary[1])) : undefined;
  const slot =
    primarySlot ?? slots.find((s) => cardStateOf(s.body) === "present") ?? slots[0];
  if (slot === undefined) return notThisKind("No card slot in the card status.");

  const stateText = cardStateOf(slot.body) ?? "";
  const state = CARD_STATE.exec(stateText.trim());
  if (!state) return notThisKind(`\`Card state: '${stateText}'\` is not a state libqmi prints.`);
  const status: CardStatus = { cardState: state[1] as CardStatus["cardState"] };
  if (status.cardState === "error" && state[2]) status.cardError = state[2];

  const upin = quotedValue(slot.body, "UPIN state");
  if (upin) status.upinState = upin;

  const applications = blocks(slot.body, APPLICATION_HEADER);
  const application =
    (primarySlot && primary ? applications[Number(primary[2]) - 1] : undefined) ??
    applications.find((a) => /(?:usim|sim) \(\d+\)/.test(quotedValue(a.body, "Application type") ?? "")) ??
    applications[0];
  if (application !== undefined) {
    const pin1 = quotedValue(application.body, "PIN1 state");
    if (pin1) status.pin1State = pin1;
    const appState = quotedValue(application.body, "Application state");
    if (appState) status.applicationState = appState;
  }
  return facts(status);
}

export const uimGetCardStatusKind = defineKind({
  kind: "qmicli.uim-get-card-status",
  source: "qmicli -d /dev/cdc-wdm0 --device-open-proxy --uim-get-card-status",
  schema: uimGetCardStatusSchema,
  parse: parseUimGetCardStatus,
});
