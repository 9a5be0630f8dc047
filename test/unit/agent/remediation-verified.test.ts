import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { checkConfig } from "../../../agent/src/config/load.ts";
import { diagnose } from "../../../agent/src/diagnose/diagnose.ts";
import { readSnapshotDir } from "../../../agent/src/diagnose/snapshot.ts";
import { verify } from "../../../agent/src/heal/verify.ts";
import { diagnoseOptionsOf } from "../../../agent/src/runtime/agent.ts";
import { Healer } from "../../../agent/src/runtime/healer.ts";

const SNAPSHOTS = join(import.meta.dirname, "../../fixtures/snapshots");
const check = checkConfig({ deviceId: "pi-1", broker: { url: "mqtt://b:1883", username: "u", password: "p" }, healing: { enabled: true } });
if (!check.ok) throw new Error(check.errors.join());
const config = check.config;
const diagnosisOf = async (snapshot: string) => diagnose(await readSnapshotDir(join(SNAPSHOTS, snapshot)), diagnoseOptionsOf(config));

/** A healer whose commands all exit well, on a clock the test moves. */
function rig() {
  const sent: Record<string, unknown>[] = [];
  const ran: string[] = [];
  let now = 1_000_000;
  const healer = new Healer({
    config,
    executor: { runInternal: async (name) => (ran.push(name), { ok: true, message: `${name} done`, output: "" }) },
    sink: { send: (_cls, body) => (sent.push(body as Record<string, unknown>), body as never), whenDelivered: async () => true },
    clock: { now: () => now, setTimeout: () => null, clearTimeout: () => {} },
    log: pino({ level: "silent" }),
    statePath: null,
    rediagnose: () => {},
  });
  const types = () => sent.map((e) => e.type);
  return { healer, sent, ran, types, tick: (ms: number) => (now += ms), now: () => now };
}

describe("a remediation is succeeded only when its layer is fixed afterwards", () => {
  it("reports a dhcp.renew that exited well but left wwan0 without an address as failed, not succeeded", async () => {
    const noLease = await diagnosisOf("no-lease");
    const { healer, sent, ran, types, tick, now } = rig();
    await healer.onDiagnosis(noLease, now());
    expect(ran).toEqual(["dhcp.renew"]);
    // The command's exit code says nothing yet.
    expect(types()).toEqual(["remediation.started"]);
    // A diagnosis that began before the fix ended cannot judge it.
    await healer.onDiagnosis(noLease, now() - 1);
    expect(types()).toEqual(["remediation.started"]);
    tick(1000);
    await healer.onDiagnosis(noLease, now());
    expect(types()).toEqual(["remediation.started", "remediation.failed"]);
    expect(sent[1]).toMatchObject({ cause: "no-lease", link: "wwan0", command: { name: "dhcp.renew" } });
    expect(String(sent[1]!.error)).toMatch(/did not fix it: wwan0 ip still fails \(no-lease\)/);
  });

  it("reports the same dhcp.renew as succeeded when the next diagnosis has wwan0's address", async () => {
    const { healer, sent, types, tick, now } = rig();
    await healer.onDiagnosis(await diagnosisOf("no-lease"), now());
    tick(1000);
    await healer.onDiagnosis(await diagnosisOf("healthy"), now());
    expect(types()).toEqual(["remediation.started", "remediation.succeeded"]);
    expect(sent[1]).toMatchObject({ cause: "no-lease", command: { name: "dhcp.renew" } });
  });

  it("gives a modem reset time to take effect, then judges it", async () => {
    const u = { link: "wwan0", layer: "session" as const, cause: "not-registered", command: "modem.reset", ranAt: 0 };
    const stillUnregistered = await diagnosisOf("unregistered");
    expect(verify(u, stillUnregistered, 10_000).kind).toBe("wait");
    expect(verify(u, stillUnregistered, 120_000)).toMatchObject({ kind: "not-fixed" });
    // Registered again with its session still down: the reset did its part, the next fix is another command's.
    expect(verify(u, await diagnosisOf("no-packet-session"), 10_000)).toMatchObject({ kind: "fixed" });
    // A session restart that leaves the session down did not fix it, whatever comes next.
    expect(verify({ ...u, cause: "no-packet-session", command: "qmi.restart" }, await diagnosisOf("no-packet-session"), 10_000)).toMatchObject({ kind: "not-fixed" });
  });
});
