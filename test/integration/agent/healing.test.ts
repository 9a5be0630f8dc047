import { afterEach, describe, expect, it } from "vitest";
import { brokerRig, makeAgent, simulatedPi } from "./helpers/agent-harness.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  cleanups = [];
});

async function setup(snapshot: string) {
  const { observer, config } = await brokerRig(cleanups, { healing: { enabled: true } });
  const pi = await simulatedPi(config, snapshot);
  const agent = makeAgent(config, pi);
  await agent.start();
  cleanups.push(async () => void (await agent.stop(1000)));
  return { observer, pi, agent };
}

describe("the agent healing itself", () => {
  it("brings a down wwan0 up on its own and reports remediation.started and .succeeded, then the layer going ok", async () => {
    const { observer, pi } = await setup("interface-down");
    const started = await observer.waitFor((r) => r.message.type === "remediation.started");
    expect(started.message).toMatchObject({ cause: "link-down", link: "wwan0", command: { name: "link.up", args: { iface: "wwan0" } }, attempt: 1 });
    await observer.waitFor((r) => r.message.type === "remediation.succeeded");
    await observer.waitFor((r) => r.message.type === "layer.changed" && r.message.layer === "interface" && r.message.to === "ok");
    expect(pi.actions.filter((a) => a.file === "ip" && a.args.includes("up"))).toHaveLength(1);
  });

  it("demotes a Wi-Fi without upstream after three failed probes, and traffic moves to wwan0", async () => {
    const { observer, pi, agent } = await setup("wifi-no-upstream");
    for (let i = 0; i < 3; i++) await agent.diagnoseNow(`probe ${i}`);
    const demoted = await observer.waitFor((r) => r.message.type === "remediation.succeeded" && r.message.cause === "wifi-no-upstream");
    expect(demoted.message).toMatchObject({ command: { name: "link.metric", args: { iface: "wlan0", metric: 2000 } } });
    await observer.waitFor((r) => r.message.type === "link.changed" && r.message.to === "wwan0");
    const defaults = (JSON.parse(pi.get("ip.route")!) as { dst: string; dev: string; metric: number }[]).filter((r) => r.dst === "default");
    expect(defaults.map((r) => [r.dev, r.metric]).sort()).toEqual([["wlan0", 2000], ["wwan0", 700]]);
  });
});
