import { z } from "zod";
import { defineKind, facts, notThisKind, type ParseResult } from "./result.ts";

/**
 * `lsattr /etc/resolv.conf` (e2fsprogs):
 *
 *   ----i---------e------- /etc/resolv.conf
 *
 * `i` is the immutable flag the field guide sets with `chattr +i` so that nothing rewrites the
 * file; it also stops uplink's own fix until `chattr -i`. The flag string is 19 characters before
 * e2fsprogs 1.43 and 22 now. A symlink (as /etc/resolv.conf is under systemd-resolved) or a file
 * system without the flags ioctl prints
 * `lsattr: Operation not supported While reading flags on /etc/resolv.conf`: an error fact.
 */
export const lsattrFileSchema = z.object({
  path: z.string().min(1),
  immutable: z.boolean(),
  /** The raw flag string, e.g. `----i---------e-------`. */
  flags: z.string().min(1),
});
export type LsattrFile = z.infer<typeof lsattrFileSchema>;

export const lsattrFactsSchema = z.object({
  files: z.array(lsattrFileSchema),
  error: z.object({ message: z.string().min(1), path: z.string().optional() }).optional(),
});
export type LsattrFacts = z.infer<typeof lsattrFactsSchema>;

const fileRe = /^([-a-zA-Z]{16,32})\s+(\S.*)$/;
const errorRe = /^lsattr: (.+?) [Ww]hile reading flags on (.+)$/;

export function parseLsattr(text: string): ParseResult<LsattrFacts> {
  const result: LsattrFacts = { files: [] };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    const file = fileRe.exec(line);
    // The flag string holds dashes and flag letters only, and always some dashes.
    if (file && file[1]!.includes("-")) {
      result.files.push({ path: file[2]!, immutable: file[1]!.includes("i"), flags: file[1]! });
      continue;
    }
    const error = errorRe.exec(line);
    if (error) {
      result.error ??= { message: line, path: error[2]! };
      continue;
    }
    if (line.startsWith("lsattr: ")) {
      result.error ??= { message: line };
      continue;
    }
    return notThisKind(`\`${line.slice(0, 40)}\` is not an lsattr line.`);
  }
  if (result.files.length === 0 && !result.error) return notThisKind("No lsattr output.");
  return facts(result);
}

export const lsattrKind = defineKind({
  kind: "lsattr",
  source: "lsattr /etc/resolv.conf",
  schema: lsattrFactsSchema,
  parse: parseLsattr,
});
