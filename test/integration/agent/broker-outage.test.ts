import { afterEach, describe, expect, it } from "vitest";
import { startBroker, startObserver, type Received } from "./helpers/broker.ts";
import { makeAgent, simulatedPi, tempDir, testConfig } from "./helpers/agent-harness.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  cleanups = [];
});

/**
 * The seqs of one boot that the server side got. Seq 1 is the boot's last will, reserved at
 * start and published only if the connection drops while a broker is there to notice: not a gap.
 */
function seqsOf(received: Received[], bootId: string): number[] {
  return [...new Set(received.filter((r) => r.message.bootId === bootId && r.message.seq !== 1).map((r) => r.message.seq as number))].sort((a, b) => a - b);
}

function gaps(seqs: number[]): number[] {
  const missing: number[] = [];
  for (let s = seqs[0] ?? 0; s <= (seqs.at(-1) ?? 0); s++) if (!seqs.includes(s)) missing.push(s);
  return missing;
}

describe("a broker outage, and an agent restart during it", () => {
  it("delivers every message made while the broker was down, in order, none lost, across a restart of the agent", async () => {
    let broker = await startBroker();
    const port = broker.port;
    cleanups.push(() => broker.close());
    const tmp = tempDir();
    cleanups.push(() => tmp.remove());
    const config = testConfig(port, tmp.dir);
    let observer = await startObserver(port);
    const before: Received[] = observer.received;

    const first = makeAgent(config, await simulatedPi(config, "interface-down"));
    await first.start();
    await observer.waitFor((r) => r.topic.endsWith("/health"));
    await observer.close();
    await broker.close();

    for (let i = 0; i < 20; i++) {
      await first.sendHeartbeat();
      first.publisher.send("event", { type: "link.changed", from: "wlan0", to: "wwan0", reason: `outage test ${i}` });
    }
    expect(first.outbox.depth).toBeGreaterThanOrEqual(40);
    // The agent goes away with the broker still down: the outbox is all that remains, on disk.
    await first.stop(200);

    const second = makeAgent(config, await simulatedPi(config, "interface-down"));
    await second.start();
    cleanups.push(async () => void (await second.stop(1000)));
    second.publisher.send("event", { type: "link.changed", from: "wwan0", to: "wlan0", reason: "after restart" });

    broker = await startBroker(port);
    observer = await startObserver(port);
    cleanups.push(() => observer.close());
    await observer.waitFor((r) => r.message.reason === "after restart", 20_000);
    await observer.waitFor(() => second.outbox.depth === 0 && seqsOf(observer.received, first.bootId).length > 0, 20_000);

    const all = [...before, ...observer.received];
    const firstSeqs = seqsOf(all, first.bootId);
    expect(gaps(firstSeqs)).toEqual([]);
    expect(firstSeqs.length).toBeGreaterThanOrEqual(42);
    expect(gaps(seqsOf(all, second.bootId))).toEqual([]);
    // In order: the outage's events arrive as they were made.
    const reasons = observer.received.filter((r) => r.message.bootId === first.bootId && r.message.type === "link.changed").map((r) => r.message.reason);
    expect(reasons).toEqual(Array.from({ length: 20 }, (_, i) => `outage test ${i}`));
  });
});

describe("the online status after a restart with an earlier boot's entries queued", () => {
  it("goes out after every entry the earlier boot left, so the server meets the boots in the order they ran", async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.close());
    const tmp = tempDir();
    cleanups.push(() => tmp.remove());
    const config = testConfig(broker.port, tmp.dir);
    await broker.close();

    // Far more than one publish window (16) queued by a boot that never reached the broker.
    const first = makeAgent(config, await simulatedPi(config, "interface-down"));
    await first.start();
    for (let i = 0; i < 40; i++) await first.sendHeartbeat();
    await first.stop(100);

    const reopened = await startBroker(broker.port);
    cleanups.push(() => reopened.close());
    const observer = await startObserver(broker.port);
    cleanups.push(() => observer.close());
    const second = makeAgent(config, await simulatedPi(config, "interface-down"));
    await second.start();
    cleanups.push(async () => void (await second.stop(1000)));
    await observer.waitFor((r) => r.topic.endsWith("/status") && r.message.bootId === second.bootId && r.message.state === "online", 20_000);

    const order = observer.received.map((r) => `${r.message.bootId === first.bootId ? "first" : "second"}:${r.topic.split("/").at(-1)}`);
    const online = order.indexOf("second:status");
    expect(order.slice(online + 1)).not.toContain("first:heartbeat");
    expect(order.slice(0, online).filter((o) => o === "first:heartbeat").length).toBeGreaterThanOrEqual(40);
  });
});
