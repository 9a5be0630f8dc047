import { Aedes } from "aedes";
import mqtt from "mqtt";
import { createServer, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { indexedMemoryPersistence } from "../../../server/src/broker/retained-index.ts";

describe("aedes on the indexed persistence", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function broker(): Promise<string> {
    const aedes = await Aedes.createBroker({ persistence: indexedMemoryPersistence() });
    const server = createServer((s) => aedes.handle(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => aedes.close(() => server.close(r))));
    return `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("delivers retained messages to exact and wildcard subscribers, and forgets a cleared one", async () => {
    const url = await broker();
    const pub = await mqtt.connectAsync(url, { clientId: "pub" });
    cleanups.push(() => pub.endAsync(true));
    await pub.publishAsync("u/pi-1/status", "online", { qos: 1, retain: true });
    await pub.publishAsync("u/pi-2/status", "offline", { qos: 1, retain: true });
    await pub.publishAsync("u/pi-2/status", "", { qos: 1, retain: true });

    const sub = await mqtt.connectAsync(url, { clientId: "sub" });
    cleanups.push(() => sub.endAsync(true));
    const got: string[] = [];
    sub.on("message", (topic, payload) => got.push(`${topic}=${payload.toString()}`));
    await sub.subscribeAsync("u/pi-1/status", { qos: 1 });
    await sub.subscribeAsync("u/+/status", { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(["u/pi-1/status=online", "u/pi-1/status=online"]);
  });
});
