#!/usr/bin/env node
// The operators' CLI; see server/README.md.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
