import type { z } from "zod";

/**
 * What a parser returns. `ok: false` means the text is not this kind's output at all (the CLI
 * exits 2). A tool that printed its own error is still `ok: true`: the error is a fact.
 */
export type ParseResult<T> = { ok: true; facts: T } | { ok: false; error: string };

export function facts<T>(value: T): ParseResult<T> {
  return { ok: true, facts: value };
}

export function notThisKind<T = never>(why: string): ParseResult<T> {
  return { ok: false, error: why };
}

export interface ParserKind<S extends z.ZodType = z.ZodType> {
  /** The CLI's name for it, e.g. "qmicli.nas-get-signal-strength". */
  readonly kind: string;
  /** The command that produces it, as an operator would type it. */
  readonly source: string;
  readonly schema: S;
  parse(text: string): ParseResult<z.infer<S>>;
}

export function defineKind<S extends z.ZodType>(kind: ParserKind<S>): ParserKind<S> {
  return kind;
}
