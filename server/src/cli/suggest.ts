import { catalog, COMMAND_NAMES, isCommandName } from "@uplink/shared";
import type { z } from "zod";

/** Pure: edit distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** Pure: the candidate closest to `word`, if it is close enough to be what was meant. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c ? ` (did you mean "${c}"?)` : "";
}

/** The catalog as the CLI's help shows it: one line per command with its arguments. */
export function catalogText(): string {
  return COMMAND_NAMES.map((n) => `  ${n.padEnd(16)} ${catalog[n].summary}${argNames(n).length ? ` [${argNames(n).map((a) => `--${a}`).join(" ")}]` : ""}`).join("\n");
}

/** The argument names a catalog command takes. */
export function argNames(name: string): string[] {
  if (!isCommandName(name)) return [];
  return Object.keys((catalog[name].args as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {});
}
