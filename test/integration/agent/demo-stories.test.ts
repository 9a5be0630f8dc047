import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Diagnosis } from "@uplink/shared";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_FLEET } from "../../../server/src/demo.ts";
import { brokerRig, makeAgent, simulatedPi, SNAPSHOTS } from "./helpers/agent-harness.ts";
import type { Received } from "./helpers/broker.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  cleanups = [];
});

/** One demo device as `npm start` runs it: its snapshot, its healing switch, the demo's probe. */
async function demoDevice(deviceId: (typeof DEMO_FLEET)[number]["deviceId"]) {
  const device = DEMO_FLEET.find((d) => d.deviceId === deviceId)!;
  const { observer, config } = await brokerRig(cleanups, {
    healing: { enabled: device.healing },
    probe: { ip: "192.0.2.1", name: "probe.uplink.test" },
    dns: { fallbackNameservers: ["192.0.2.53"] },
  });
  const pi = await simulatedPi(config, device.scenario);
  const agent = makeAgent(config, pi);
  await agent.start();
  cleanups.push(async () => void (await agent.stop(1000)));
  return { observer, pi, agent };
}

const events = (received: Received[], type: string) => received.filter((r) => r.message.type === type).map((r) => r.message);

function failingLayers(d: Diagnosis): string[] {
  const links = Object.entries(d.links).flatMap(([link, r]) => r.layers.filter((l) => l.state !== "ok").map((l) => `${link} ${l.name} ${l.state}`));
  return [...links, ...d.host.layers.filter((l) => l.state !== "ok").map((l) => `host ${l.name} ${l.state}`)];
}

/** Diagnoses until `done` holds (the healer acts between diagnoses), or gives up. */
async function until(agent: ReturnType<typeof makeAgent>, done: (d: Diagnosis) => boolean, timeoutMs = 15_000): Promise<Diagnosis> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await agent.diagnoseNow("test");
    if (d && done(d)) return d;
    if (Date.now() > deadline) throw new Error(`not reached; still ${d ? failingLayers(d).join(", ") : "no diagnosis"}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the demo fleet's stories end where the README says", () => {
  it("demo-pi-selfheal restarts its packet session, gets a lease, and is healthy on every layer", async () => {
    const { observer, agent, pi } = await demoDevice("demo-pi-selfheal");
    const healthy = await until(agent, (d) => failingLayers(d).length === 0);
    expect(healthy.links.wwan0?.reachable).toBe(true);
    // Each fix is reported as worked only once its layer is ok, and nothing is reported failed.
    await observer.waitFor((r) => r.message.type === "remediation.succeeded" && (r.message.command as { name: string }).name === "dhcp.renew");
    const worked = events(observer.received, "remediation.succeeded").map((m) => [(m.command as { name: string }).name, m.cause]);
    expect(worked).toEqual([
      ["qmi.restart", "no-packet-session"],
      ["dhcp.renew", "no-lease"],
    ]);
    expect(events(observer.received, "remediation.failed")).toEqual([]);
    // The lease brought an address and a default route at the cellular metric.
    const routes = JSON.parse(pi.get("ip.route")!) as { dst: string; dev: string; metric?: number }[];
    expect(routes.filter((r) => r.dst === "default").map((r) => [r.dev, r.metric])).toEqual(expect.arrayContaining([["wlan0", 100], ["wwan0", 700]]));
  });

  it("demo-pi stays healthy and demo-pi-fallback stays on its 4G fallback, without a remediation", async () => {
    for (const id of ["demo-pi", "demo-pi-fallback"] as const) {
      const { observer, agent } = await demoDevice(id);
      const d = (await agent.diagnoseNow("test"))!;
      await agent.diagnoseNow("again");
      if (id === "demo-pi") expect(failingLayers(d)).toEqual([]);
      else expect(d.selection.active).toBe("wwan0");
      expect(events(observer.received, "remediation.started")).toEqual([]);
    }
  });

  it("demo-pi-down, healing off, waits for an operator: wwan0 stays down", async () => {
    const { observer, agent } = await demoDevice("demo-pi-down");
    await agent.diagnoseNow("test");
    const d = (await agent.diagnoseNow("again"))!;
    expect(d.links.wwan0?.firstFailingLayer).toBe("interface");
    expect(events(observer.received, "remediation.started")).toEqual([]);
  });

  it("the real agent process, as npm start runs demo-pi-selfheal (`run --simulate`), reports all-ok", async () => {
    const { observer, tmp, broker } = await brokerRig(cleanups);
    const device = DEMO_FLEET.find((d) => d.deviceId === "demo-pi-selfheal")!;
    const config = join(tmp.dir, "config.json");
    writeFileSync(
      config,
      JSON.stringify({
        deviceId: device.deviceId,
        broker: { url: `mqtt://127.0.0.1:${broker.port}`, username: device.deviceId, password: "secret" },
        dataDir: tmp.dir,
        probe: { ip: "192.0.2.1", name: "probe.uplink.test" },
        dns: { fallbackNameservers: ["192.0.2.53"] },
        healing: { enabled: device.healing },
      }),
    );
    const root = join(import.meta.dirname, "../../..");
    const child = spawn(process.execPath, [join(root, "agent/bin/uplink-agent.js"), "run", "--config", config, "--simulate", join(SNAPSHOTS, device.scenario)], {
      cwd: root,
      stdio: "ignore",
    });
    cleanups.push(() => void child.kill("SIGTERM"));
    const allOk = (r: Received) => {
      if (!r.topic.endsWith("/health")) return false;
      const d = r.message as unknown as Diagnosis;
      return failingLayers(d).length === 0;
    };
    await observer.waitFor(allOk, 60_000);
    expect(events(observer.received, "remediation.succeeded").map((m) => (m.command as { name: string }).name)).toEqual(["qmi.restart", "dhcp.renew"]);
    expect(events(observer.received, "remediation.failed")).toEqual([]);
  }, 90_000);
});
