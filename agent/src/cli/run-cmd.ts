import { parseArgs } from "node:util";
import pino from "pino";
import { loadConfig } from "../config/load.ts";
import { collectSnapshot } from "../diagnose/collect.ts";
import { readOnlyCaptures } from "../diagnose/commands.ts";
import { diagnose } from "../diagnose/diagnose.ts";
import { readSnapshotDir } from "../diagnose/snapshot.ts";
import { AgentError, errorMessage, isAgentError } from "../errors.ts";
import { ExecaHost } from "../host/execa-host.ts";
import type { Host } from "../host/host.ts";
import { SimulatedHost } from "../host/simulated-host.ts";
import { connectMqtt } from "../mqtt/connection.ts";
import { Agent, diagnoseOptionsOf } from "../runtime/agent.ts";
import { systemClock } from "../runtime/clock.ts";
import { startWatchdog } from "../runtime/sd-notify.ts";

const USAGE = "usage: uplink-agent run --config <file> [--simulate <snapshot-dir>]\n";

async function simulatedHost(
  dir: string,
  options: Parameters<typeof readOnlyCaptures>[0],
  metrics: { wifi: number; cellular: number },
): Promise<Host> {
  let snapshot: Map<string, string>;
  try {
    snapshot = await readSnapshotDir(dir);
  } catch (err) {
    throw new AgentError("UPLINK_SIMULATE_DIR", `${dir}: ${(err as Error).message}`, { dir });
  }
  if (snapshot.size === 0) throw new AgentError("UPLINK_SIMULATE_DIR", `${dir} holds no <kind>.txt capture`, { dir });
  return new SimulatedHost(snapshot, readOnlyCaptures(options), { links: options.links, metrics });
}

/**
 * A link that loses its carrier keeps its default route (nothing removes it on a Pi set up as the
 * field guide does), and the kernel keeps sending traffic into it unless told to skip such routes.
 * With `ignore_routes_with_linkdown` ("all" covers links that appear later; it is per network
 * namespace) a lost carrier moves traffic to the next route at once, and back when it returns,
 * before any diagnosis has run.
 */
async function ignoreLinkdownRoutes(host: Host, log: pino.Logger): Promise<void> {
  const path = "/proc/sys/net/ipv4/conf/all/ignore_routes_with_linkdown";
  try {
    await host.writeDevice?.(path, "1\n");
    log.info({ event: "sysctl.set", path, value: 1 }, "routes of links without carrier are skipped");
  } catch (err) {
    log.warn({ event: "sysctl.failed", path, err: errorMessage(err) }, "could not make the kernel skip routes of links without carrier");
  }
}

/** `uplink-agent run`: runs until SIGTERM or SIGINT, then says offline, flushes and exits 0. */
export async function runCli(argv: string[]): Promise<number> {
  let values: { config?: string; simulate?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: "string", short: "c" }, simulate: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`uplink-agent run: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.config) {
    process.stderr.write(`uplink-agent run: --config is required\n${USAGE}`);
    return 2;
  }
  let agent: Agent;
  let log: pino.Logger;
  let watchdog: { stop(): void } | undefined;
  // Listening for the signals before the agent starts: a supervisor that stops it as soon as it
  // logs must not meet the default action (death, no `offline`, no flush). A signal that comes
  // before the agent is up is acted on once it is.
  let signalled: string | null = null;
  let onSignal: ((signal: string) => void) | null = null;
  const signal = (name: string) => {
    signalled ??= name;
    onSignal?.(name);
  };
  process.once("SIGTERM", () => signal("SIGTERM"));
  process.once("SIGINT", () => signal("SIGINT"));
  try {
    const config = await loadConfig(values.config);
    log = pino({ level: config.logLevel, base: { deviceId: config.deviceId } });
    const host = values.simulate ? await simulatedHost(values.simulate, diagnoseOptionsOf(config), config.preference.metrics) : new ExecaHost();
    if (values.simulate) log.warn({ event: "agent.simulated", dir: values.simulate }, "simulating a Pi from a snapshot: no real command runs");
    if (!values.simulate && config.ignoreLinkdownRoutes) await ignoreLinkdownRoutes(host, log);
    agent = new Agent({ config, host, clock: systemClock, log, collect: (h, o) => collectSnapshot(h, o), assess: diagnose, connect: connectMqtt });
    await agent.start();
    // Under systemd with WatchdogSec= (deploy/systemd/uplink-agent.service); a no-op elsewhere.
    watchdog = startWatchdog({ env: process.env, pid: process.pid, host: new ExecaHost(), clock: systemClock, log });
  } catch (err) {
    // A bad config stops the agent here, naming every wrong field and why.
    process.stderr.write(`uplink-agent run: ${errorMessage(err)}\n`);
    if (isAgentError(err, "UPLINK_CONFIG_INVALID")) for (const e of (err.context.errors as string[]) ?? []) process.stderr.write(`  ${e}\n`);
    return isAgentError(err, "UPLINK_CONFIG_INVALID") || isAgentError(err, "UPLINK_CONFIG_UNREADABLE") ? 78 : 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      watchdog?.stop();
      log.info({ event: "agent.stopping", signal }, "stopping");
      agent.stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ event: "agent.stop-failed", err: errorMessage(err) }, "stop failed");
          resolve(1);
        },
      );
    };
    onSignal = stop;
    if (signalled) stop(signalled);
  });
}
