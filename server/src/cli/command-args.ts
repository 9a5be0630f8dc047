import { catalog, isCommandName } from "@uplink/shared";
import type { z } from "zod";

/**
 * Pure: turns `--iface wlan0 --count 3 --nameservers 1.1.1.1 --nameservers 9.9.9.9` into the args
 * object of a catalog command. Each value is tried as the catalog's field wants it: as given, as a
 * number, as a list. Unknown fields are left for the catalog check to refuse.
 */
export function commandArgs(name: string, pairs: Array<[string, string]>): Record<string, unknown> {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of pairs) grouped.set(k, [...(grouped.get(k) ?? []), v]);
  const shape: Record<string, z.ZodType> = isCommandName(name)
    ? ((catalog[name].args as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {})
    : {};
  const out: Record<string, unknown> = {};
  for (const [key, values] of grouped) {
    const field = shape[key];
    const candidates: unknown[] = values.length > 1 ? [values, values.map(Number)] : [values[0], Number(values[0]), values[0]!.split(","), values[0] === "true" ? true : values[0] === "false" ? false : undefined];
    out[key] = field ? (candidates.find((c) => c !== undefined && field.safeParse(c).success) ?? candidates[0]) : candidates[0];
  }
  return out;
}

/** Pure: splits argv into positionals, `--key value` pairs and boolean flags. */
export function splitArgv(
  argv: string[],
  booleans: ReadonlySet<string>,
  /** Refuses an option not known to the command so far (its positionals): a typo must not be ignored. */
  known: (key: string, positionals: readonly string[]) => string | null = () => null,
): { positionals: string[]; options: Array<[string, string]>; flags: Set<string> } {
  const positionals: string[] = [];
  const options: Array<[string, string]> = [];
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("--")) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const refusal = known(key, positionals);
    if (refusal !== null) throw new UsageError(refusal);
    if (booleans.has(key)) {
      flags.add(key);
    } else if (eq > 0) {
      options.push([key, a.slice(eq + 1)]);
    } else {
      const v = argv[i + 1];
      if (v === undefined) throw new UsageError(`--${key} needs a value`);
      options.push([key, v]);
      i++;
    }
  }
  return { positionals, options, flags };
}

export class UsageError extends Error {}
