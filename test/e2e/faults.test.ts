import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULTS, type Expected, type Fault } from "./testbed/faults.ts";
import { healthy, InetServer, isRoot, PiAgent, testbedDown, testbedUp, waitFor, type Device } from "./testbed/pi-testbed.ts";

/**
 * The real agent on a simulated Pi (network namespaces, the real kernel, ip, BusyBox udhcpc, ping,
 * chattr, dnsmasq; the real qmicli and qmi-network talking QMI to a simulated SIM7600G-H) reporting over
 * MQTT to the real uplink-server in "the internet". Each fault of the field guide is applied for
 * real, must show on the server at the right layer, and is fixed twice: once by an operator's
 * command through the server API (the agent's healing off), once by the agent on its own.
 * After each, the server counts no lost message.
 */
const DEVICE = "pi-e2e";
const DIAGNOSED_MS = 30_000;

function rootOf(d: Pick<Device, "health">, e: Expected) {
  const report = e.link === "host" ? d.health?.host : d.health?.links[e.link];
  const layer = report?.layers.find((l) => l.name === report.firstFailingLayer);
  return { layer: report?.firstFailingLayer ?? null, cause: layer?.cause ?? null };
}

/** Online, traffic through Wi-Fi, nothing failing on the host. */
function isServing(d: Device): boolean {
  return d.online && d.activeLink === "wlan0" && d.health !== null && d.health.host.firstFailingLayer === null && d.health.links.wlan0?.reachable === true;
}

function isHealthy(d: Device): boolean {
  return (
    d.online &&
    d.activeLink === "wlan0" &&
    d.health !== null &&
    d.health.host.firstFailingLayer === null &&
    Object.values(d.health.links).every((l) => l.firstFailingLayer === null && l.reachable === true)
  );
}

describe.skipIf(!isRoot())("a simulated Pi on real Linux networking", () => {
  const server = new InetServer();
  let agent: PiAgent;

  const device = () => server.device(DEVICE);
  const untilHealthy = (what: string, timeoutMs = 45_000) =>
    waitFor(`${DEVICE} healthy on the server ${what}`, timeoutMs, async () => {
      if (!agent.running) throw new Error(`the agent exited:\n${agent.output().slice(-3000)}`);
      return isHealthy(await device());
    });
  const untilDiagnosed = (e: Expected) =>
    waitFor(`${e.link} failing at ${e.layer} (${e.cause}) on the server`, DIAGNOSED_MS, async () => {
      const root = rootOf(await device(), e);
      return root.layer === e.layer && root.cause === e.cause;
    });
  /**
   * The same, from the health reports the server stored since `since`: an agent that heals itself
   * may fix the fault before a poll of the current state sees it, but its report stays on record.
   */
  const untilDiagnosedSince = (e: Expected, since: number) =>
    waitFor(`${e.link} failing at ${e.layer} (${e.cause}) in the server's health history`, DIAGNOSED_MS, async () =>
      (await server.healthSince(DEVICE, since)).some((health) => {
        const root = rootOf({ health } as Pick<Device, "health">, e);
        return root.layer === e.layer && root.cause === e.cause;
      }),
    );
  const expectNothingLost = async () => {
    // The last messages may still be in flight: wait until the server has them, then count gaps.
    await waitFor("the agent's outbox to drain", 20_000, async () => (await device()).delivery.gaps === 0);
    expect((await device()).delivery).toMatchObject({ gaps: 0 });
  };
  /** Back to a healthy Pi between faults, and the server seeing it so. */
  const reset = async () => {
    await healthy();
    await untilHealthy("after the reset");
  };

  beforeAll(async () => {
    await testbedUp();
    await server.start();
    agent = new PiAgent(DEVICE, await server.addDevice(DEVICE));
  });

  afterAll(async () => {
    await agent?.stop();
    await server.stop();
    await testbedDown();
    agent?.cleanup();
  });

  describe("fixed by an operator's command through the server (the agent's healing off)", () => {
    beforeAll(async () => {
      await agent.start({ healing: false });
      await untilHealthy("after the agent started", 60_000);
    });
    afterAll(async () => {
      expect(await agent.stop()).toBe(0);
    });

    it.each(FAULTS.filter((f) => !f.cutsOff).map((f) => [f.name, f] as const))("%s: diagnosed at its layer, shown on the server, fixed by command", async (_name, fault: Fault) => {
      await fault.inject();
      await untilDiagnosed(fault.expected);
      await fault.restore?.();
      for (const c of fault.operator) {
        const done = await server.command(DEVICE, c.name, c.args ?? {}, 150_000);
        expect(done, `${c.name}: ${JSON.stringify(done)}`).toMatchObject({ state: "succeeded" });
      }
      await untilHealthy(`after ${fault.operator.map((c) => c.name).join(", ")}`);
      await expectNothingLost();
      await reset();
    });

    it.each(FAULTS.filter((f) => f.cutsOff).map((f) => [f.name, f] as const))(
      "%s: the device drops off the server, and its diagnosis arrives when the link is back",
      async (_name, fault: Fault) => {
        const since = Date.now();
        await fault.inject();
        // The kernel keeps sending everything into the broken route: the broker hears nothing.
        await waitFor(`${DEVICE} offline on the server`, DIAGNOSED_MS, async () => !(await device()).online);
        // Fixed on site.
        await fault.restore?.();
        await healthy();
        await untilHealthy("once fixed on site");
        const history = await server.healthSince(DEVICE, since);
        const causes = history.map((health) => rootOf({ health } as Device, fault.expected));
        expect(causes).toContainEqual({ layer: fault.expected.layer, cause: fault.expected.cause });
        await expectNothingLost();
      },
    );
  });

  describe("healed by the agent on its own", () => {
    beforeAll(async () => {
      await agent.start({ healing: true });
      await untilHealthy("after the agent restarted", 60_000);
    });
    afterAll(async () => {
      expect(await agent.stop()).toBe(0);
    });

    it.each(FAULTS.map((f) => [f.name, f] as const))("%s: diagnosed, shown on the server, healed by the agent", async (_name, fault: Fault) => {
      try {
        await healedByTheAgent(fault);
      } catch (err) {
        const log = agent.output().split("\n").filter((l) => /remediation|layer.changed|link.changed|error|warn/i.test(l));
        throw new Error(`${(err as Error).message}\nthe agent said:\n${log.slice(-150).join("\n")}`);
      }
    });

    async function healedByTheAgent(fault: Fault) {
      const since = Date.now();
      const remediations = async (type: string) =>
        (await server.events(DEVICE, type)).filter((e) => Date.parse(e.ts) >= since) as unknown as { command: { name: string }; cause: string }[];
      await fault.inject();
      if (!fault.cutsOff) await untilDiagnosedSince(fault.expected, since);
      if (fault.restoreAfterFirstAttempt) {
        const first = fault.firstAttempt ?? fault.healedBy;
        await waitFor(`a first ${first} attempt`, 60_000, async () => (await remediations("remediation.failed")).some((e) => e.command.name === first));
      }
      if (!fault.cutsOff) await fault.restore?.();
      await waitFor(`${fault.healedBy} succeeded`, 90_000, async () => (await remediations("remediation.succeeded")).some((e) => e.command.name === fault.healedBy));
      if (fault.cutsOff) {
        // While it is demoted or rerouted, the agent reported the fault over the other link.
        expect((await remediations("remediation.started")).map((e) => e.cause)).toContain(fault.healedBy === "link.metric" ? "wifi-no-upstream" : fault.expected.cause);
        await fault.restore?.();
      }
      if (fault.fallbackLeftWithoutRoute) {
        await waitFor(`${DEVICE} serving through wlan0 after the agent healed ${fault.name}`, 90_000, async () => isServing(await device()));
      } else {
        await untilHealthy(`after the agent healed ${fault.name}`, 90_000);
      }
      await expectNothingLost();
      await reset();
    }
  });
});
