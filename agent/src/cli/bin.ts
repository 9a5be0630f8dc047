// The bundle's entry (scripts/build.mjs -> agent/dist/uplink-agent.mjs): runs the CLI with this
// process's arguments, so that `node uplink-agent.mjs diagnose` works on its own (the Debian
// package's /usr/bin/uplink-agent) and `import("../dist/uplink-agent.mjs")` from agent/bin does too.
import { main } from "./main.ts";

process.exitCode = await main(process.argv.slice(2));
