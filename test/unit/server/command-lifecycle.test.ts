import { describe, expect, it } from "vitest";
import { applyResponse, boundResponses, expireCommand, ignoredBecause, newCommand, RESPONSE_BOUNDS, SILENCE_GRACE_MS } from "../../../server/src/state/command-lifecycle.ts";
import type { CommandRecord } from "../../../server/src/state/types.ts";
import { responseMessage } from "./messages.ts";

const ID = "6f1c1f8e-3a43-4f0e-9a53-0a3c5b1d2e7f";
const base = newCommand({
  id: ID,
  deviceId: "pi-1",
  name: "dhcp.renew",
  args: { iface: "wlan0" },
  issuedAt: "2025-01-01T00:00:00.000Z",
  expiresAt: "2025-01-01T00:10:00.000Z",
  issuedBy: "alice",
});

function run(states: Array<Parameters<typeof responseMessage>[4] | ["rejected", string]>, from: CommandRecord = base): CommandRecord {
  let cmd = from;
  states.forEach((s, i) => {
    const [state, reason] = Array.isArray(s) ? s : [s, undefined];
    const extra = reason ? { reason: reason as never } : state === "progress" ? { step: "running udhcpc" } : {};
    cmd = applyResponse(cmd, responseMessage("pi-1", i + 1, ID, "dhcp.renew", state, extra), `2025-01-01T00:00:0${i + 1}.000Z`);
  });
  return cmd;
}

describe("the command lifecycle", () => {
  it("starts pending", () => expect(base.state).toBe("pending"));

  it.each([
    [["accepted"], "accepted"],
    [["accepted", "progress"], "accepted"],
    [["accepted", "progress", "succeeded"], "succeeded"],
    [["accepted", "failed"], "failed"],
    [["accepted", "timed-out"], "timed-out"],
    [[["rejected", "busy"]], "rejected"],
    [["progress"], "accepted"],
  ] as const)("after %j it is %s", (states, expected) => {
    const cmd = run(states as never);
    expect(cmd.state).toBe(expected);
    expect(cmd.responses).toHaveLength(states.length);
  });

  it.each([
    [["accepted", "succeeded", "failed"], "succeeded", "after-final"],
    [["accepted", "failed", "progress"], "failed", "after-final"],
    [["accepted", ["rejected", "duplicate"]], "accepted", "duplicate-echo"],
  ] as const)("after %j it is still %s: the last response is ignored (%s)", (states, expected, why) => {
    const before = run(states.slice(0, -1) as never);
    const after = run(states as never);
    expect(after.state).toBe(expected);
    expect(after.responses.map((r) => r.seq)).toEqual(before.responses.map((r) => r.seq));
    const last = states.at(-1)!;
    const [state, reason] = Array.isArray(last) ? last : [last, undefined];
    expect(ignoredBecause(before, responseMessage("pi-1", 9, ID, "dhcp.renew", state as never, reason ? { reason: reason as never } : {}))).toBe(why);
  });

  it("returns the very record it was given for an ignored response, so nothing is stored or streamed", () => {
    const done = run(["accepted", "succeeded"]);
    expect(applyResponse(done, responseMessage("pi-1", 9, ID, "dhcp.renew", "progress", { step: "again" }), "2025-01-01T00:01:00.000Z")).toBe(done);
  });

  it("keeps the progress step as its detail", () => {
    expect(run(["accepted", "progress"]).detail).toBe("running udhcpc");
  });

  it("expires a pending command at its expiry, not before", () => {
    expect(expireCommand(base, "2025-01-01T00:09:59.000Z").state).toBe("pending");
    expect(expireCommand(base, "2025-01-01T00:10:00.000Z").state).toBe("expired");
  });

  it("times out an accepted command silent past expiry, timeout and grace", () => {
    const accepted = run(["accepted"]);
    const limit = Date.parse(base.expiresAt) + 30_000 + SILENCE_GRACE_MS;
    expect(expireCommand(accepted, new Date(limit - 1).toISOString()).state).toBe("accepted");
    expect(expireCommand(accepted, new Date(limit).toISOString()).state).toBe("timed-out");
  });

  it("lets the device's own answer override an expiry", () => {
    const expired = expireCommand(base, "2025-01-01T00:11:00.000Z");
    expect(run(["accepted", "succeeded"], expired).state).toBe("succeeded");
  });

  it("leaves final commands alone when sweeping", () => {
    const done = run(["accepted", "succeeded"]);
    expect(expireCommand(done, "2030-01-01T00:00:00.000Z")).toBe(done);
  });
});

describe("what a command record keeps of its responses", () => {
  const bulk = (n: number) => ({ result: { blob: "x".repeat(n) } });
  const step = (i: number, extra = {}) => responseMessage("pi-1", i + 2, ID, "dhcp.renew", "progress", { step: `step ${i}`, ...extra });

  it("keeps the first, the latest steps and the final, in order, of 150 progress responses of 200 KB", () => {
    let cmd = applyResponse(base, responseMessage("pi-1", 1, ID, "dhcp.renew", "accepted"), base.issuedAt);
    for (let i = 0; i < 150; i++) cmd = applyResponse(cmd, step(i, bulk(200_000)), base.issuedAt);
    cmd = applyResponse(cmd, responseMessage("pi-1", 200, ID, "dhcp.renew", "succeeded", { output: "lease obtained" }), base.issuedAt);
    const steps = cmd.responses.map((r) => r.step ?? r.state);
    expect(steps).toEqual(["accepted", ...Array.from({ length: RESPONSE_BOUNDS.steps }, (_, i) => `step ${150 - RESPONSE_BOUNDS.steps + i}`), "succeeded"]);
    expect(cmd.responses.at(-1)!.output).toBe("lease obtained");
    expect(Buffer.byteLength(JSON.stringify(cmd))).toBeLessThan(RESPONSE_BOUNDS.bytes);
    expect(cmd.state).toBe("succeeded");
  });

  it("keeps the bulk of the newest step while the command runs, and of the final only once it is done", () => {
    const running = [responseMessage("pi-1", 1, ID, "dhcp.renew", "accepted", bulk(10)), step(1, bulk(10)), step(2, bulk(10))];
    expect(boundResponses(running).map((r) => r.result !== undefined)).toEqual([false, false, true]);
    const done = boundResponses([...running, responseMessage("pi-1", 9, ID, "dhcp.renew", "succeeded", bulk(10))]);
    expect(done.map((r) => r.result !== undefined)).toEqual([false, false, false, true]);
  });

  it("sheds the newest step's bulk, then the final's, to stay under the size bound", () => {
    const bounds = { steps: 8, bytes: 50_000 };
    const stepTooBig = boundResponses([responseMessage("pi-1", 1, ID, "dhcp.renew", "accepted"), step(1, bulk(60_000))], bounds);
    expect(stepTooBig.map((r) => r.result !== undefined)).toEqual([false, false]);
    expect(stepTooBig[1]!.step).toBe("step 1");
    const finalTooBig = boundResponses([step(1), responseMessage("pi-1", 9, ID, "dhcp.renew", "succeeded", bulk(60_000))], bounds);
    expect(finalTooBig[1]).toMatchObject({ state: "succeeded" });
    expect(finalTooBig[1]!.result).toBeUndefined();
  });

  it("never keeps fewer responses than before a new one came", () => {
    let cmd = base;
    let before = 0;
    for (let i = 0; i < 30; i++) {
      cmd = applyResponse(cmd, step(i, bulk(i % 3 === 0 ? 100_000 : 10)), base.issuedAt);
      expect(cmd.responses.length).toBeGreaterThanOrEqual(before);
      before = cmd.responses.length;
    }
    expect(before).toBe(1 + RESPONSE_BOUNDS.steps);
  });

  it("still takes the device's answer to a command the server had expired, and keeps it", () => {
    const expired = expireCommand(base, "2025-01-01T00:11:00.000Z");
    const cmd = run(["accepted", "progress", "failed"], expired);
    expect(cmd.state).toBe("failed");
    expect(cmd.responses.map((r) => r.state)).toEqual(["accepted", "progress", "failed"]);
  });
});
