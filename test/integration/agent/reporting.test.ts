import { afterEach, describe, expect, it } from "vitest";
import { eventSchema, healthSchema, heartbeatSchema, statusSchema } from "@uplink/shared";
import { brokerRig, makeAgent, simulatedPi } from "./helpers/agent-harness.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe("the agent reporting to the broker", () => {
  it("announces itself online, publishes agent.started, a retained health report and heartbeats, all stamped with one boot's seqs", async () => {
    const { broker, observer, tmp, config } = await brokerRig(cleanups, { intervals: { heartbeatS: 1 } });
    const agent = makeAgent(config, await simulatedPi(config, "interface-down"));
    await agent.start();
    cleanups.push(async () => void (await agent.stop(1000)));

    const status = await observer.waitFor((r) => r.topic.endsWith("/status"));
    expect(statusSchema.parse(status.message).state).toBe("online");
    const started = await observer.waitFor((r) => r.topic.endsWith("/events") && r.message.type === "agent.started");
    expect(eventSchema.parse(started.message).type).toBe("agent.started");
    const health = healthSchema.parse((await observer.waitFor((r) => r.topic.endsWith("/health"))).message);
    expect(health.links.wwan0?.firstFailingLayer).toBe("interface");
    const heartbeat = heartbeatSchema.parse((await observer.waitFor((r) => r.topic.endsWith("/heartbeat"), 5000)).message);
    expect(heartbeat.outbox.dropped).toBe(0);

    const seqs = observer.received.filter((r) => r.message.bootId === agent.bootId).map((r) => r.message.seq as number);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("publishes layer.changed events and a new health report when a netlink change shows a fixed layer", async () => {
    const { broker, observer, tmp, config } = await brokerRig(cleanups);
    const host = await simulatedPi(config, "interface-down");
    const agent = makeAgent(config, host);
    await agent.start();
    cleanups.push(async () => void (await agent.stop(1000)));
    await observer.waitFor((r) => r.topic.endsWith("/health"));

    await host.run("ip", ["link", "set", "dev", "wwan0", "up"]);
    await agent.diagnoseNow("test: netlink");
    const changed = await observer.waitFor((r) => r.message.type === "layer.changed" && r.message.link === "wwan0" && r.message.layer === "interface");
    expect(changed.message).toMatchObject({ from: "failing", to: "ok" });
    const healths = () => observer.received.filter((r) => r.topic.endsWith("/health"));
    await observer.waitFor(() => healths().length >= 2);
    expect(healthSchema.parse(healths().at(-1)!.message).links.wwan0?.firstFailingLayer).toBeNull();
  });
});
