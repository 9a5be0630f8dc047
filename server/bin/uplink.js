#!/usr/bin/env node
// The operators' CLI; see server/README.md. The build or the sources: ./prefer-build.js.
import { load } from "./prefer-build.js";

const { main } = await load("uplink", "cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
