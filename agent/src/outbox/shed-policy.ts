import type { OutboxEntry } from "./entry.ts";

/**
 * Which entries a full outbox sheds, oldest first: heartbeats (the next one says the same, newer),
 * then health reports that a newer health report supersedes (health is retained state: only the
 * last one matters). Events and command responses are history and are never shed; if only they
 * remain, the outbox grows past its bound rather than lose one. Pure.
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
  if (excess > 0) {
    const lastHealth = [...entries].reverse().find((e) => e.cls === "health");
    for (const e of entries) {
      if (excess <= 0) break;
      if (e.cls === "health" && e !== lastHealth) {
        shed.push(e.id);
        excess--;
      }
    }
  }
  return shed;
}
