import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startBroker, startObserver } from "./helpers/broker.ts";
import { makeAgent, request, simulatedPi, tempDir, testConfig } from "./helpers/agent-harness.ts";
import { finalResponse, responsesTo, sendCommand } from "./helpers/commands.ts";
import type { Agent } from "../../../agent/src/runtime/agent.ts";
import type { SimulatedHost } from "../../../agent/src/host/simulated-host.ts";

let cleanups: (() => Promise<void> | void)[] = [];
let observer: Awaited<ReturnType<typeof startObserver>>;
let host: SimulatedHost;
let agent: Agent;

beforeEach(async () => {
  const broker = await startBroker();
  cleanups.push(() => broker.close());
  observer = await startObserver(broker.port);
  cleanups.push(() => observer.close());
  const tmp = tempDir();
  cleanups.push(() => tmp.remove());
  const config = testConfig(broker.port, tmp.dir, { modem: { apn: "internet" } });
  host = await simulatedPi(config, "interface-down");
  agent = makeAgent(config, host);
  await agent.start();
  cleanups.push(async () => void (await agent.stop(1000)));
  await observer.waitFor((r) => r.topic.endsWith("/health"));
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  cleanups = [];
});

const ran = (file: string, ...args: string[]): boolean => host.actions.some((a) => a.file === file && args.every((x) => a.args.includes(x)));

const lifecycle: [string, Record<string, unknown>, string, () => boolean][] = [
    ["link.up", { iface: "wwan0" }, "succeeded", () => ran("ip", "link", "set", "wwan0", "up")],
    ["dhcp.renew", { iface: "wlan0" }, "succeeded", () => ran("udhcpc", "-i", "wlan0", "-n", "-q")],
    ["qmi.restart", {}, "succeeded", () => ran("qmi-network", "/dev/cdc-wdm0", "stop") && ran("qmi-network", "/dev/cdc-wdm0", "start")],
    ["route.replace", { iface: "wwan0", gateway: "100.67.169.177" }, "succeeded", () => ran("ip", "replace", "default", "via", "100.67.169.177", "wwan0", "700")],
    // This Pi's wwan0 has no default route (interface-down capture): nothing to prefer.
    ["link.prefer", { iface: "wwan0" }, "failed", () => !ran("ip", "route", "replace")],
    ["dns.repair", { nameservers: ["9.9.9.9"] }, "succeeded", () => ran("chattr", "-i") && ran("chattr", "+i")],
    ["ping", { target: "8.8.8.8", iface: "wlan0", count: 2 }, "succeeded", () => true],
    ["diagnose", {}, "succeeded", () => true],
    ["usbnet.qmi", {}, "succeeded", () => host.actions.some((a) => a.args.join(" ").includes("AT+CUSBPIDSWITCH=9001,1,1"))],
    ["modem.reset", {}, "succeeded", () => ran("qmicli", "--dms-set-operating-mode=reset")],
];

describe("every command's lifecycle: accepted, progress, a final state with the layer report after", () => {
  it.each(lifecycle)("%s (%o) answers accepted, then %s, and runs it for real through the Host", async (name, args, state, didRun) => {
    const req = request(name, args);
    await sendCommand(observer, req);
    const final = await finalResponse(observer, req.id);
    expect(final.state, final.message).toBe(state);
    expect(final.health?.links.wwan0).toBeDefined();
    const states = responsesTo(observer, req.id).map((r) => r.state);
    expect(states[0]).toBe("accepted");
    expect(states.at(-1)).toBe(state);
    expect(didRun()).toBe(true);
  });

  it("shows the effect of link.up in the layer report it answers with", async () => {
    const req = request("link.up", { iface: "wwan0" });
    await sendCommand(observer, req);
    const final = await finalResponse(observer, req.id);
    expect(final.health?.links.wwan0?.layers.find((l) => l.name === "interface")?.state).toBe("ok");
  });

  it("writes the APN into qmi-network's profile before restarting the session", async () => {
    const req = request("qmi.restart", {});
    await sendCommand(observer, req);
    await finalResponse(observer, req.id);
    expect(host.actions.find((a) => a.file === "(write)")?.args).toEqual(["/etc/qmi-network.conf"]);
  });

  it("records the lease dhcp.renew obtained, and route.replace takes its gateway from it", async () => {
    // This Pi's wwan0 is down (interface-down capture): a down link gets no lease, so up it goes first.
    const up = request("link.up", { iface: "wwan0" });
    await sendCommand(observer, up);
    await finalResponse(observer, up.id);
    const req = request("dhcp.renew", { iface: "wwan0" });
    await sendCommand(observer, req);
    const final = await finalResponse(observer, req.id);
    expect(final.result?.lease).toMatchObject({ iface: "wwan0", ip: "100.67.169.178" });
  });

  it("answers the ping's loss and round trip", async () => {
    const req = request("ping", { target: "8.8.8.8", iface: "wlan0", count: 2 });
    await sendCommand(observer, req);
    const final = await finalResponse(observer, req.id);
    expect(final.result).toMatchObject({ lossPct: 0 });
  });
});

describe("rejections", () => {
  it.each([
    ["an unknown command", request("format.disk"), "unsupported"],
    ["wrong argument types", request("link.up", { iface: 42 }), "invalid"],
    ["an interface that is not a configured link", request("link.up", { iface: "eth0" }), "invalid"],
    ["an expired request", request("diagnose", {}, { expiresAt: new Date(Date.now() - 1000).toISOString() }), "expired"],
    ["a request without an id", { ...request("diagnose"), id: undefined }, "invalid"],
  ])("rejects %s with its reason", async (_what, req, reason) => {
    await sendCommand(observer, req);
    const id = typeof req.id === "string" ? req.id : "unknown";
    const final = await finalResponse(observer, id);
    expect(final).toMatchObject({ state: "rejected", reason });
  });

  it("rejects malformed JSON as invalid and keeps running", async () => {
    await sendCommand(observer, "{not json");
    const final = await finalResponse(observer, "unknown");
    expect(final).toMatchObject({ state: "rejected", reason: "invalid" });
    const req = request("diagnose");
    await sendCommand(observer, req);
    expect((await finalResponse(observer, req.id)).state).toBe("succeeded");
  });

  it("rejects a second command on a locked resource as busy", async () => {
    const first = request("modem.reset", {});
    const second = request("qmi.restart", {});
    await sendCommand(observer, first);
    await observer.waitFor((r) => r.message.requestId === first.id && r.message.state === "accepted");
    await sendCommand(observer, second);
    expect(await finalResponse(observer, second.id)).toMatchObject({ state: "rejected", reason: "busy" });
    expect((await finalResponse(observer, first.id)).state).toBe("succeeded");
  });

  it("runs commands on different resources at the same time", async () => {
    const a = request("modem.reset", {});
    const b = request("dns.repair", {});
    await sendCommand(observer, a);
    await sendCommand(observer, b);
    expect((await finalResponse(observer, b.id)).state).toBe("succeeded");
    expect((await finalResponse(observer, a.id)).state).toBe("succeeded");
  });

  it("sends the stored answer again for a redelivered request id instead of running it twice", async () => {
    const req = request("link.up", { iface: "wwan0" });
    await sendCommand(observer, req);
    const first = await finalResponse(observer, req.id);
    const runs = host.actions.length;
    await sendCommand(observer, req);
    const again = await finalResponse(observer, req.id, 10_000, 2);
    expect(again.state).toBe(first.state);
    expect(again.seq).toBeGreaterThan(first.seq);
    expect(host.actions.length).toBe(runs);
  });

  it("rejects a request id that is running now as a duplicate", async () => {
    const req = request("modem.reset", {});
    await sendCommand(observer, req);
    await observer.waitFor((r) => r.message.requestId === req.id && r.message.state === "accepted");
    await sendCommand(observer, req);
    await observer.waitFor((r) => r.message.requestId === req.id && r.message.reason === "duplicate");
    expect((await finalResponse(observer, req.id, 15_000, 2)).state).toBe("succeeded");
  });
});
