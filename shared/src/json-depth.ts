/**
 * True when JSON text nests arrays and objects deeper than `max`. One pass over the characters,
 * no allocation: it runs before JSON.parse so that a payload of ten thousand `[` never becomes a
 * value that recursion over it (JSON.stringify when storing it, zod, the API) would overflow the
 * stack on. Brackets inside strings do not count; a backslash escapes the next character there.
 * It does not validate: text that is not JSON is JSON.parse's to refuse.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
