// Writes a JSON Schema of every wire message to shared/schema/, so that a client in any language
// can speak the protocol. Run with `npm run schema`; CI checks that the committed files are current.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { catalog, channelSchemas, diagnosisSchema } from "../src/index.ts";

const outDir = join(dirname(fileURLToPath(import.meta.url)), "..", "schema");
mkdirSync(outDir, { recursive: true });

const files: Record<string, z.ZodType> = {
  "status.json": channelSchemas.status,
  "heartbeat.json": channelSchemas.heartbeat,
  "health.json": channelSchemas.health,
  "event.json": channelSchemas.events,
  "command-request.json": channelSchemas["cmd/req"],
  "command-response.json": channelSchemas["cmd/res"],
  "diagnosis.json": diagnosisSchema,
};
for (const [file, schema] of Object.entries(files)) {
  writeFileSync(join(outDir, file), JSON.stringify(z.toJSONSchema(schema, { io: "input" }), null, 2) + "\n");
}
const commands = Object.fromEntries(
  Object.values(catalog).map((c) => [
    c.name,
    { summary: c.summary, resource: c.resource, timeoutMs: c.timeoutMs, risky: c.risky, args: z.toJSONSchema(c.args, { io: "input" }) },
  ]),
);
writeFileSync(join(outDir, "commands.json"), JSON.stringify(commands, null, 2) + "\n");
console.log(`wrote ${Object.keys(files).length + 1} schemas to ${outDir}`);
