import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseQmiNetwork, qmiNetworkKind, qmiNetworkSchema } from "../../../agent/src/parse/qmi-network.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/qmi-network/${name}`, import.meta.url), "utf8");

const NO_DEVICE =
  "couldn't create QmiDevice: Couldn't query file info: Error when getting information for file \u201c/dev/cdc-wdm0\u201d: No such file or directory";

describe("qmi-network parser", () => {
  it.each([
    {
      name: "start-success-dw5821e-armbian-journal.txt",
      why: "reads a successful start with its packet data handle, client id and raw-ip check through journald prefixes",
      expected: {
        action: "start",
        status: "connected",
        packetDataHandle: "1654799168",
        clientId: 19,
        profilePath: "/etc/qmi-network.conf",
        profileFound: false,
        linkLayerProtocol: "raw-ip",
      },
    },
    {
      name: "stop-already-stopped-dw5821e-armbian-journal.txt",
      why: "reads a stop with nothing to stop as disconnected",
      expected: { action: "stop", status: "disconnected", profilePath: "/etc/qmi-network.conf", profileFound: false },
    },
    {
      name: "stop-already-stopped-debian12.txt",
      why: "reads the same stop from libqmi 1.32 on Debian 12",
      expected: { action: "stop", status: "disconnected", profilePath: "/etc/qmi-network.conf", profileFound: false },
    },
    {
      name: "start-no-device-no-profile-debian12.txt",
      why: "reports a failed start and the missing device that caused it",
      expected: {
        action: "start",
        profilePath: "/etc/qmi-network.conf",
        profileFound: false,
        error: "network start failed, client not allocated",
        cause: NO_DEVICE,
      },
    },
    {
      name: "start-no-device-apn-internet-proxy-debian12.txt",
      why: "reads the APN of the profile it loaded",
      expected: {
        action: "start",
        profilePath: "/tmp/qsrc/qmi-network-test.conf",
        profileFound: true,
        apn: "internet",
        error: "network start failed, client not allocated",
        cause: NO_DEVICE,
      },
    },
    {
      name: "status-no-device-no-profile-debian12.txt",
      why: "reports a status it could not get",
      expected: {
        action: "status",
        profilePath: "/etc/qmi-network.conf",
        profileFound: false,
        error: "couldn't get packet service status",
        cause: NO_DEVICE,
      },
    },
  ])("$why", ({ name, expected }) => {
    const result = parseQmiNetwork(fixture(name));
    expect(result).toEqual({ ok: true, facts: expected });
    if (result.ok) expect(qmiNetworkSchema.safeParse(result.facts).success).toBe(true);
  });

  it.each([
    "",
    "[/dev/cdc-wdm0] Connection status: 'connected'",
    "3: wwan0: <POINTOPOINT,MULTICAST,NOARP> mtu 1500 qdisc noop state DOWN",
    "\u0000\u00ff\u0013garbage",
  ])("says %j is not its output", (text) => {
    expect(qmiNetworkKind.parse(text).ok).toBe(false);
  });

  it("keeps the network's call end reason of a failed start (qmicli --wds-start-network's stderr, the same since libqmi 1.16)", () => {
    const parsed = parseQmiNetwork(fixture("start-call-failed-unknown-apn-simulated-sim7600g-h-libqmi-1.32.2.txt"));
    expect(parsed.ok && parsed.facts).toMatchObject({
      action: "start",
      error: "network start failed, no packet data handle",
      cause: "couldn't start network: QMI protocol error (14): 'CallFailed'",
      callEndReason: "gsm-wcdma-unknown-apn",
      verboseCallEndReason: "3gpp unknown-apn",
    });
  });
});
