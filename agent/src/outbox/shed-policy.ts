import type { OutboxClass, OutboxEntry } from "./entry.ts";

/** Retained state: only the last of each class matters, so older ones may go when the outbox is full. */
const SUPERSEDED_CLASSES: readonly OutboxClass[] = ["health", "status"];

/**
 * Which entries a full outbox sheds, oldest first: heartbeats (the next one says the same, newer),
 * then health reports and statuses that a newer one of their class supersedes (retained state:
 * only the last one matters). Events and command responses are history and are never shed; if
 * only they remain, the outbox grows past its bound rather than lose one. Pure.
 */
export function chooseShed(entries: readonly OutboxEntry[], maxEntries: number): string[] {
  let excess = entries.length - maxEntries;
  if (excess <= 0) return [];
  const shed: string[] = [];
  for (const e of entries) {
    if (excess <= 0) break;
    if (e.cls === "heartbeat") {
      shed.push(e.id);
      excess--;
    }
  }
  for (const cls of SUPERSEDED_CLASSES) {
    if (excess <= 0) break;
    const last = [...entries].reverse().find((e) => e.cls === cls);
    for (const e of entries) {
      if (excess <= 0) break;
      if (e.cls === cls && e !== last) {
        shed.push(e.id);
        excess--;
      }
    }
  }
  return shed;
}
