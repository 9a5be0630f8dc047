import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

/** Where each parser kind's real captures live, under test/fixtures/. */
export function fixtureDirOf(kind: string): string {
  if (kind.startsWith("qmicli.")) return join(FIXTURES, "qmicli", kind.slice("qmicli.".length));
  const special: Record<string, string> = {
    "vcgencmd.get_throttled": "vcgencmd",
    "mmcli.modem": "mmcli",
    "nmcli.device": "nmcli",
  };
  return join(FIXTURES, special[kind] ?? kind.replaceAll(".", "-"));
}

export interface Fixture {
  /** The path under test/fixtures/, as SOURCES.md names it. */
  name: string;
  text: string;
}

/** Every capture of a kind. A file named `not-this-kind-*` is another tool's output, kept to be refused. */
export function fixturesOf(kind: string): Fixture[] {
  const dir = fixtureDirOf(kind);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()).sort();
  } catch {
    return [];
  }
  return files.map((f) => ({ name: relative(FIXTURES, join(dir, f)), text: readFileSync(join(dir, f), "utf8") }));
}
