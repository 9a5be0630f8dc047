#!/usr/bin/env node
// Runs the TypeScript sources through tsx, resolved from this package, so that the bin works from
// any working directory without a build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
const code = await main(process.argv.slice(2));
// A failed start exits now, whatever is still open: a supervisor must see it fail, not hang.
if (code !== 0) process.exit(code);
process.exitCode = code;
