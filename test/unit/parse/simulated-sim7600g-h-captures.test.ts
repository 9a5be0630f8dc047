import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kinds } from "../../../agent/src/parse/registry.ts";

/**
 * Captures of the real qmicli and qmi-network (Debian 12, libqmi-utils 1.32.2) against the
 * simulated SIM7600G-H (test/sim/qmi-modem; test/e2e/testbed/capture-simulated.ts), for states no
 * public capture shows. They pin the tools' real formatting, not a real modem's answers
 * (test/fixtures/SOURCES.md).
 */
const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
const SUFFIX = "simulated-sim7600g-h-libqmi-1.32.2.txt";
const read = (path: string) => readFileSync(join(FIXTURES, `${path}-${SUFFIX}`), "utf8");
const parse = (kind: string, text: string) => kinds.find((k) => k.kind === kind)!.parse(text);

describe("captures of the real tools against the simulated SIM7600G-H", () => {
  it.each([
    ["qmicli.wds-get-packet-service-status", "qmicli/wds-get-packet-service-status/connected", { connectionStatus: "connected" }],
    ["qmicli.wds-get-packet-service-status", "qmicli/wds-get-packet-service-status/disconnected", { connectionStatus: "disconnected" }],
    ["qmicli.wds-get-current-settings", "qmicli/wds-get-current-settings/error-out-of-call", { error: { qmiCode: 15, qmiName: "OutOfCall" } }],
    ["qmicli.uim-get-card-status", "qmicli/uim-get-card-status/absent", { cardState: "absent" }],
    ["qmicli.uim-get-card-status", "qmicli/uim-get-card-status/pin1-required", { cardState: "present", pin1State: "enabled-not-verified" }],
    ["qmicli.nas-get-serving-system", "qmicli/nas-get-serving-system/not-registered-sim-absent", { registrationState: "not-registered" }],
    ["qmicli.nas-get-serving-system", "qmicli/nas-get-serving-system/searching", { registrationState: "not-registered-searching" }],
    ["qmicli.nas-get-serving-system", "qmicli/nas-get-serving-system/registration-denied", { registrationState: "registration-denied" }],
    ["qmicli.nas-get-serving-system", "qmicli/nas-get-serving-system/registered-roaming", { registrationState: "registered" }],
    ["qmicli.dms-get-ids", "qmicli/dms-get-ids/error-transaction-timed-out", { error: { message: expect.stringMatching(/Transaction timed out/) } }],
    ["qmicli.dms-get-ids", "qmicli/dms-get-ids/error-no-device", { error: { message: expect.stringMatching(/couldn't create QmiDevice: Couldn't query file info/) } }],
    ["qmi-network", "qmi-network/status-connected", { action: "status", status: "connected" }],
    ["qmi-network", "qmi-network/status-disconnected", { action: "status", status: "disconnected" }],
    ["qmi-network", "qmi-network/stop-connected", { action: "stop" }],
    ["qmi-network", "qmi-network/start-call-failed-unknown-apn", { action: "start", error: "network start failed, no packet data handle" }],
  ] as const)("%s: %s", (kind, path, expected) => {
    const parsed = parse(kind, read(path));
    expect(parsed).toMatchObject({ ok: true, facts: expected });
  });
});
