/**
 * Key lookups shared by the qmicli parsers.
 *
 * qmicli prints `Key: 'value'` pairs, but captures found in the field have lost their TABs,
 * been re-indented, collapsed onto one line, prefixed with journald or `>` quote marks, or had
 * their closing quote turned into a typographic one by a blog engine. So these helpers match a
 * key and its value wherever they sit in the text, never a layout.
 */

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The key must start the text or follow a non-word character, so `PIN1 state` never matches inside `UPIN1 state`. */
function keyPattern(key: string): string {
  return `(?<![\\w-])${escapeRegExp(key)}:[^\\S\\n]*`;
}

/** A quoted value, closed by a straight or a typographic quote. */
const QUOTED = "'([^'\\u2019\\n]*)['\\u2019]";

/** The first `Key: 'value'` in the text, or undefined. */
export function quotedValue(text: string, key: string): string | undefined {
  return new RegExp(keyPattern(key) + QUOTED).exec(text)?.[1];
}

/** Every `Key: 'value'` in the text, in order. */
export function quotedValues(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(keyPattern(key) + QUOTED, "g"))].map((m) => m[1] ?? "");
}

/** The first unquoted `Key: value` (up to the end of the line), trimmed, or undefined. */
export function plainValue(text: string, key: string): string | undefined {
  return new RegExp(keyPattern(key) + "([^\\n]*)").exec(text)?.[1]?.trim();
}

/** `'yes'`/`'no'` as qmicli prints booleans. */
export function yesNo(value: string | undefined): boolean | undefined {
  if (value === "yes") return true;
  if (value === "no") return false;
  return undefined;
}

/** A decimal number as qmicli prints it (`-61`, `-2.5`), or undefined (also when it is not finite). */
export function toNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value.trim())) return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/**
 * A number that fits the QMI field it was printed from, or undefined. qmicli prints fixed-width
 * integers, so a value outside the field's range (a damaged line, digits run together) is not
 * something the modem said and is not reported.
 */
export function inRange(value: number | undefined, min: number, max: number): number | undefined {
  return value !== undefined && value >= min && value <= max ? value : undefined;
}

/** A decimal integer (digits only) within [min, max], as a safe integer, or undefined. */
export function toInteger(value: string | undefined, min: number, max: number): number | undefined {
  const trimmed = value?.trim();
  if (trimmed === undefined || !/^-?\d{1,15}$/.test(trimmed)) return undefined;
  return inRange(Number(trimmed), min, max);
}
