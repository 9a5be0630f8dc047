import { z } from "zod";

/**
 * Every length a device message may have, in one place. A device is not trusted to be small: one
 * that sends 29,000 links, a 10,000-deep `result` or ever longer strings would otherwise make the
 * server keep, store and serve whatever it sent (issue 11). Each bound is several times what the
 * agent really produces, so a real message never meets one; the agent fits its messages within
 * them anyway (agent/src/mqtt/fit-message.ts) and says where it cut. Strings count UTF-16 code
 * units, as zod and JavaScript do. The whole payload stays under MAX_PAYLOAD_BYTES besides.
 */
export const BOUNDS = {
  /**
   * Short names: interface names (15 by IFNAMSIZ), cause codes (`sim-absent`), parser kinds,
   * command names, versions, radios, addresses.
   */
  name: 64,
  /**
   * Sentences an operator reads: messages, steps, summaries, facts, reasons, errors. The longest
   * the agent makes quotes 500 characters of a program's stderr.
   */
  text: 4 * 1024,
  /** A command's output: the agent keeps the last 32 Ki characters of its transcript (run-handler.ts). */
  output: 64 * 1024,
  /** Links of one device (heartbeat, diagnosis, `agent.started`): a Pi has 2-3 (wwan0, wlan0, eth0). */
  links: 16,
  /** Layers of one link or of the host: there are seven in all. */
  layers: 7,
  /** Evidence of one layer: the agent cites a few facts, rarely ten. */
  evidence: 32,
  /** Entries of a command's args or `result`: the catalog's commands take at most three args. */
  entries: 64,
  /**
   * A fix's args (in layer reports and remediation events): each a scalar, or a short list
   * (`nameservers`), as the catalog's args are; a string as long as a host name (253).
   */
  fixArgs: 16,
  fixArgString: 256,
  /**
   * Nesting of any message, checked on the raw text before JSON.parse (decode.ts): the deepest
   * real message (a response with its layer report) is 8 levels; recursion over a deeper one
   * (JSON.stringify when storing it) overflows the stack at a few thousand.
   */
  depth: 32,
} as const;

export const nameString = () => z.string().max(BOUNDS.name);

/** One arg of a fix: what the catalog's args are made of, and no more. */
export const fixArgValue = () => {
  const scalar = z.union([z.string().max(BOUNDS.fixArgString), z.number(), z.boolean(), z.null()]);
  return z.union([scalar, z.array(scalar).max(BOUNDS.fixArgs)]);
};
export const textString = () => z.string().max(BOUNDS.text);

/** A record of at most `max` entries, with keys of at most BOUNDS.name characters. */
export function boundedRecord<V extends z.ZodType>(value: V, max: number) {
  return z
    .record(nameString(), value)
    .refine((o) => Object.keys(o).length <= max, { message: `at most ${max} entries`, params: { maxEntries: max } })
    .meta({ maxProperties: max });
}
