/**
 * One load-generator process: runs a slice of the simulated fleet (test/helpers/fleet-sim.ts) and
 * answers its parent over IPC. Several of these keep the generator off the server's core.
 */
import { startFleetSim, type FleetSim, type FleetSimOptions } from "../../test/helpers/fleet-sim.ts";
import type { WorkerReply, WorkerRequest } from "./fleet-protocol.ts";

let sim: FleetSim | null = null;

function reply(r: WorkerReply): void {
  process.send?.(r);
}

process.on("message", (raw: unknown) => {
  const req = raw as WorkerRequest;
  switch (req.type) {
    case "start": {
      const opts: FleetSimOptions = { ...req.options, autoStart: false };
      sim = startFleetSim(opts);
      void sim.ready.then(() => reply({ type: "ready", stats: sim!.stats() }));
      break;
    }
    case "begin":
      sim?.start();
      break;
    case "heartbeat":
      sim?.setHeartbeatMs(req.ms);
      break;
    case "pause":
      sim?.pause();
      break;
    case "stats":
      if (sim) reply({ type: "stats", stats: sim.stats(), cpu: process.cpuUsage(), rssBytes: process.memoryUsage().rss });
      break;
    case "acknowledged":
      if (sim) reply({ type: "acknowledged", devices: [...sim.acknowledged()] });
      break;
    case "stop":
      void (sim?.stop() ?? Promise.resolve()).then(() => {
        reply({ type: "stopped" });
        process.disconnect?.();
        setTimeout(() => process.exit(0), 100).unref();
      });
      break;
  }
});
process.on("disconnect", () => process.exit(0));
