import { afterEach, describe, expect, it } from "vitest";
import { eventSchema } from "@uplink/shared";
import { startBroker, startObserver, type TestBroker } from "./helpers/broker.ts";
import { brokerRig, makeAgent, request, simulatedPi, tempDir, testConfig } from "./helpers/agent-harness.ts";
import { finalResponse, sendCommand } from "./helpers/commands.ts";
import type { Host } from "../../../agent/src/host/host.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  cleanups = [];
});

describe("commit-or-rollback of risky commands", () => {
  it("undoes link.prefer by itself when the broker stays away after the change, and reports it when back", async () => {
    let broker: TestBroker = await startBroker();
    const port = broker.port;
    cleanups.push(() => broker.close());
    const observer = await startObserver(port, "operator-rollback");
    cleanups.push(() => observer.close());
    const tmp = tempDir();
    cleanups.push(() => tmp.remove());
    const config = testConfig(port, tmp.dir, { rollback: { graceS: 1 } });
    const pi = await simulatedPi(config, "healthy");
    // The change cuts the device off: the broker goes away the moment the route moves.
    let cut = false;
    const host: Host = Object.assign(Object.create(pi) as Host, {
      run: async (file: string, args: readonly string[], o?: object) => {
        const result = await pi.run(file, args, o);
        if (file === "ip" && args[1] === "replace" && !cut) {
          cut = true;
          await broker.close();
        }
        return result;
      },
    });
    const agent = makeAgent(config, host);
    await agent.start();
    cleanups.push(async () => void (await agent.stop(1000)));
    await observer.waitFor((r) => r.topic.endsWith("/health"));

    const req = request("link.prefer", { iface: "wwan0" });
    await sendCommand(observer, req);
    await new Promise((r) => setTimeout(r, 2500));
    broker = await startBroker(port);

    const rollback = await observer.waitFor((r) => r.message.type === "rollback", 20_000);
    expect(eventSchema.parse(rollback.message)).toMatchObject({ requestId: req.id, command: "link.prefer" });
    const final = await finalResponse(observer, req.id, 20_000);
    expect(final).toMatchObject({ state: "failed", rolledBack: true });
    const routes = JSON.parse(pi.get("ip.route")!) as { dst: string; dev: string; metric: number }[];
    expect(routes.filter((r) => r.dst === "default").map((r) => [r.dev, r.metric]).sort()).toEqual([["wlan0", 100], ["wwan0", 700]]);
  });

  it("keeps a risky change when the broker confirms within the grace period", async () => {
    const { broker, observer, tmp, config } = await brokerRig(cleanups, { rollback: { graceS: 5 } });
    const pi = await simulatedPi(config, "healthy");
    const agent = makeAgent(config, pi);
    await agent.start();
    cleanups.push(async () => void (await agent.stop(1000)));
    await observer.waitFor((r) => r.topic.endsWith("/health"));
    const req = request("link.prefer", { iface: "wwan0" });
    await sendCommand(observer, req);
    const final = await finalResponse(observer, req.id);
    expect(final.state).toBe("succeeded");
    expect(final.rolledBack).toBeUndefined();
    expect(final.health?.selection.active).toBe("wwan0");
  });
});

describe("idempotency across a restart", () => {
  it("answers a request redelivered after an agent restart from the journal, without running it again", async () => {
    const { broker, observer, tmp, config } = await brokerRig(cleanups);
    const first = makeAgent(config, await simulatedPi(config, "interface-down"));
    await first.start();
    await observer.waitFor((r) => r.topic.endsWith("/health"));
    const req = request("link.up", { iface: "wwan0" });
    await sendCommand(observer, req);
    const answer = await finalResponse(observer, req.id);
    await first.stop(1000);

    const pi = await simulatedPi(config, "interface-down");
    const second = makeAgent(config, pi);
    await second.start();
    cleanups.push(async () => void (await second.stop(1000)));
    await observer.waitFor((r) => r.message.bootId === second.bootId && r.topic.endsWith("/health"));
    await sendCommand(observer, req);
    const replay = await finalResponse(observer, req.id, 10_000, 2);
    expect(replay.state).toBe(answer.state);
    expect(replay.bootId).toBe(second.bootId);
    expect(pi.actions.filter((a) => a.file === "ip")).toEqual([]);
  });
});
