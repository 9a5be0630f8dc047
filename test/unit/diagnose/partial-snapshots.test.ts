import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diagnose } from "../../../agent/src/diagnose/diagnose.ts";
import { defaultDiagnoseOptions } from "../../../agent/src/diagnose/options.ts";
import { FIXTURES } from "../../helpers/fixtures.ts";

/**
 * Support bundles are often partial: a few files pasted, a tool missing. Each case is a snapshot
 * of a few real captures (test/fixtures, sources in SOURCES.md) and the verdict the evidence in
 * them supports, whichever subset is there.
 */
const options = defaultDiagnoseOptions({});
const fixture = (path: string) => readFileSync(join(FIXTURES, path), "utf8");
/** `dmesg -t` / `journalctl -k -o cat`: the same messages without their stamps. */
const withoutStamps = (text: string) => text.replace(/^\[[^\]]*\]\s?/gm, "");

const cases: { name: string; files: Record<string, string>; layer: string | null; cause?: string; fix?: string | null; evidence?: RegExp }[] = [
  {
    name: "ip addr alone shows wwan0 down (its flags and state)",
    files: { "ip.addr": fixture("snapshots/interface-down/ip.addr.txt") },
    layer: "interface",
    cause: "link-down",
    fix: "link.up",
    evidence: /ip\.addr: wwan0 <BROADCAST,MULTICAST> state DOWN/,
  },
  {
    name: "ip addr saying wwan0 does not exist",
    files: { "ip.addr": fixture("ip-addr/debian12-no-such-device.txt") },
    layer: "hardware",
    cause: "interface-missing",
    evidence: /Device "wwan0" does not exist/,
  },
  {
    name: "a failed qmi-network start alone, with the network's call end reason",
    files: { "qmi-network": fixture("qmi-network/start-call-failed-unknown-apn-simulated-sim7600g-h-libqmi-1.32.2.txt") },
    layer: "session",
    cause: "session-start-failed",
    // A wrong APN needs an operator, not a restart.
    fix: null,
    evidence: /call end reason 3gpp unknown-apn/,
  },
  {
    name: "udhcpc that got no lease on wwan0, without ip addr",
    files: { "udhcpc@wwan0": fixture("udhcpc/busybox-1.35-no-server.txt") },
    layer: "ip",
    cause: "no-lease",
    fix: "dhcp.renew",
  },
  {
    name: "an unnamed udhcpc capture that got no lease: the modem's link's",
    files: { udhcpc: fixture("udhcpc/busybox-1.35-no-server.txt") },
    layer: "ip",
    cause: "no-lease",
  },
  {
    name: "the kernel log alone: the modem dropped off USB and its qmi_wwan unregistered",
    files: { dmesg: fixture("dmesg/openmptcprouter-3761-qmi-wwan-register-disconnect.txt") },
    layer: "hardware",
    cause: "modem-absent",
    evidence: /USB disconnect, device number 9/,
  },
  {
    name: "the same kernel log as dmesg -t prints it",
    files: { dmesg: withoutStamps(fixture("dmesg/openmptcprouter-3761-qmi-wwan-register-disconnect.txt")) },
    layer: "hardware",
    cause: "modem-absent",
  },
  {
    name: "qmicli --dms-get-ids on a device node that is not a character device (dangling)",
    files: { "qmicli.dms-get-ids": fixture("qmicli/dms-get-ids/error-wrong-file-type-not-a-char-device-debian12-libqmi-1.32.2.txt") },
    layer: "session",
    cause: "qmi-unreachable",
    fix: "modem.reset",
    evidence: /Wrong file type/,
  },
  {
    name: "qmicli --dms-get-ids timing out",
    files: { "qmicli.dms-get-ids": fixture("qmicli/dms-get-ids/error-transaction-timed-out-simulated-sim7600g-h-libqmi-1.32.2.txt") },
    layer: "session",
    cause: "qmi-unreachable",
  },
  {
    name: "qmi-network status that could not open the device",
    files: { "qmi-network": fixture("qmi-network/status-no-device-simulated-sim7600g-h-libqmi-1.32.2.txt") },
    layer: "session",
    cause: "qmi-unreachable",
  },
  {
    name: "a failed start below a down interface: the session is the root cause, though no layer-1 capture is there",
    files: {
      "ip.addr": fixture("snapshots/interface-down/ip.addr.txt"),
      "qmi-network": fixture("qmi-network/start-call-failed-unknown-apn-simulated-sim7600g-h-libqmi-1.32.2.txt"),
    },
    layer: "session",
    cause: "session-start-failed",
  },
  {
    name: "the modem gone from the kernel log below a DHCP client without a lease",
    files: {
      dmesg: fixture("dmesg/openmptcprouter-3761-qmi-wwan-register-disconnect.txt"),
      "udhcpc@wwan0": fixture("udhcpc/busybox-1.35-no-server.txt"),
    },
    layer: "hardware",
    cause: "modem-absent",
  },
  {
    name: "a disconnected packet session beside an ip link capture of a healthy-looking wwan0",
    files: {
      "ip.link": fixture("snapshots/healthy/ip.link.txt"),
      "qmicli.wds-get-packet-service-status": fixture("qmicli/wds-get-packet-service-status/disconnected-simulated-sim7600g-h-libqmi-1.32.2.txt"),
    },
    layer: "session",
    cause: "no-packet-session",
  },
  {
    name: "a kernel log where the modem enumerated and bound, nothing else: no verdict of failure",
    files: { dmesg: fixture("dmesg/sixfab-rpishields-7-rpi3-qmi-wwan-registered.txt") },
    layer: null,
  },
];

describe("a partial snapshot: each layer uses every capture that carries evidence for it", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const d = diagnose(new Map(Object.entries(c.files)), options);
    const report = d.links.wwan0!;
    expect(report.firstFailingLayer).toBe(c.layer);
    if (c.layer === null) return;
    const layer = report.layers.find((l) => l.name === c.layer)!;
    expect(layer.cause).toBe(c.cause);
    if (c.fix !== undefined) expect(layer.fix?.name ?? null).toBe(c.fix);
    if (c.evidence) expect(layer.evidence.map((e) => `${e.kind}: ${e.fact}`).join("\n")).toMatch(c.evidence);
  });
});
