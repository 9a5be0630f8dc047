import { describe, expect, it } from "vitest";
import { applyResponse, expireCommand, newCommand, SILENCE_GRACE_MS } from "../../../server/src/state/command-lifecycle.ts";
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
    [["accepted", "succeeded", "failed"], "succeeded"],
    [["accepted", ["rejected", "duplicate"]], "accepted"],
  ] as const)("after %j it is %s", (states, expected) => {
    const cmd = run(states as never);
    expect(cmd.state).toBe(expected);
    expect(cmd.responses).toHaveLength(states.length);
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
