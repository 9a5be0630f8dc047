import { describe, expect, it } from "vitest";
import type { Logger } from "pino";
import { noteIgnoredResponse } from "../../../server/src/commands/ignored-responses.ts";
import { createMetrics } from "../../../server/src/metrics.ts";
import { newCommand } from "../../../server/src/state/command-lifecycle.ts";
import { responseMessage } from "./messages.ts";

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  return { logger: { warn: (_o: unknown, msg: string) => warnings.push(msg) } as unknown as Logger, warnings };
}

const command = (id: string) =>
  newCommand({ id, deviceId: "pi-1", name: "diagnose", args: {}, issuedAt: "2026-01-01T00:00:00.000Z", expiresAt: "2026-01-01T00:10:00.000Z", issuedBy: "op" });

describe("responses a command record ignored", () => {
  it("are counted every time and logged once per command", () => {
    const metrics = createMetrics();
    const { logger, warnings } = recordingLogger();
    const a = command("0b6f6c7e-9a8b-4c1d-8e2f-3a4b5c6d7e01");
    const b = command("0b6f6c7e-9a8b-4c1d-8e2f-3a4b5c6d7e02");
    for (let i = 0; i < 50; i++) noteIgnoredResponse({ metrics, logger }, a, responseMessage("pi-1", i + 2, a.id, "diagnose", "progress"), "after-final");
    noteIgnoredResponse({ metrics, logger }, b, responseMessage("pi-1", 99, b.id, "diagnose", "progress"), "after-final");
    expect(metrics.get("uplink_command_responses_ignored_total", { why: "after-final" })).toBe(51);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(a.id);
  });

  it("count a duplicate's echo without a warning: it is ordinary after a restart", () => {
    const metrics = createMetrics();
    const { logger, warnings } = recordingLogger();
    const c = command("0b6f6c7e-9a8b-4c1d-8e2f-3a4b5c6d7e03");
    noteIgnoredResponse({ metrics, logger }, c, responseMessage("pi-1", 2, c.id, "diagnose", "rejected", { reason: "duplicate" }), "duplicate-echo");
    expect(metrics.get("uplink_command_responses_ignored_total", { why: "duplicate-echo" })).toBe(1);
    expect(warnings).toEqual([]);
  });
});
