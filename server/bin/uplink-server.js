#!/usr/bin/env node
// Runs the TypeScript sources through tsx, resolved from this package, so that the bin works from
// any working directory without a build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
