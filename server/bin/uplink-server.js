#!/usr/bin/env node
// The server. The build or the sources, whichever is current: ./prefer-build.js.
import { load } from "./prefer-build.js";

const { main } = await load("uplink-server", "main.ts");
const code = await main(process.argv.slice(2));
// A failed start exits now, whatever is still open: a supervisor must see it fail, not hang.
if (code !== 0) process.exit(code);
process.exitCode = code;
