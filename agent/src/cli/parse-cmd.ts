import { readFile } from "node:fs/promises";
import { kinds } from "../parse/registry.ts";
import { parseText } from "../parse/parse-text.ts";

async function readInput(path: string | undefined): Promise<string> {
  if (path === undefined || path === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }
  return readFile(path, "utf8");
}

/** `uplink-agent parse <kind> [file|-]` and `parse --list`. */
export async function parseCli(argv: string[]): Promise<number> {
  const [kind, path] = argv;
  if (kind === "--list") {
    const width = Math.max(...kinds.map((k) => k.kind.length));
    for (const k of kinds) process.stdout.write(`${k.kind.padEnd(width)}  ${k.source}\n`);
    return 0;
  }
  if (kind === undefined) {
    process.stderr.write("usage: uplink-agent parse <kind> [file|-]   (parse --list for the kinds)\n");
    return 2;
  }
  let text: string;
  try {
    text = await readInput(path);
  } catch (err) {
    process.stderr.write(`uplink-agent parse: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return 2;
  }
  const result = parseText(kind, text);
  if (!result.ok) {
    process.stderr.write(`uplink-agent parse: ${result.error}\n`);
    return 2;
  }
  process.stdout.write(JSON.stringify(result.facts, null, 2) + "\n");
  return 0;
}
