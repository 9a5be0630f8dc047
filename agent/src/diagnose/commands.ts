import type { DiagnoseOptions } from "./options.ts";

/**
 * One read-only capture: a program to run (argument array, never a shell string) or a file to
 * read. `key` names the snapshot file (`<key>.txt`): a parser kind, optionally `@qualifier` when a
 * kind is captured once per link.
 */
export type Capture =
  | { key: string; program: string; args: string[]; timeoutMs: number; group?: "modem" }
  | { key: string; file: string };

/** Every read-only command the diagnosis runs; `snapshot` writes exactly these. */
export function readOnlyCaptures(o: DiagnoseOptions): Capture[] {
  const qmi = (key: string, flag: string): Capture => ({
    key,
    program: "qmicli",
    // --device-open-proxy shares the device with qmi-network and ModemManager instead of fighting them.
    args: ["-d", o.qmiDevice, "--device-open-proxy", flag],
    timeoutMs: 15_000,
    group: "modem",
  });
  const ping = (iface: string): Capture => ({
    key: `ping@${iface}`,
    program: "ping",
    // Two pings 0.2 s apart: a lost one is not a verdict, and a dead link is known in timeoutS + 0.2 s
    // rather than timeoutS + 1 s (the probe paces Wi-Fi's demotion; iputils allows 0.2 s unprivileged).
    args: ["-c", "2", "-i", "0.2", "-W", String(o.probe.timeoutS), "-I", iface, o.probe.ip],
    timeoutMs: (o.probe.timeoutS * 2 + 2) * 1000,
  });
  return [
    { key: "ip.link", program: "ip", args: ["-j", "link", "show"], timeoutMs: 5_000 },
    { key: "ip.addr", program: "ip", args: ["-j", "addr", "show"], timeoutMs: 5_000 },
    { key: "ip.route", program: "ip", args: ["-j", "-4", "route", "show"], timeoutMs: 5_000 },
    { key: "ip.route-get", program: "ip", args: ["-j", "route", "get", o.probe.ip], timeoutMs: 5_000 },
    { key: "lsusb", program: "lsusb", args: [], timeoutMs: 5_000 },
    { key: "dmesg", program: "dmesg", args: [], timeoutMs: 5_000 },
    { key: "vcgencmd.get_throttled", program: "vcgencmd", args: ["get_throttled"], timeoutMs: 5_000 },
    qmi("qmicli.dms-get-ids", "--dms-get-ids"),
    qmi("qmicli.dms-get-operating-mode", "--dms-get-operating-mode"),
    qmi("qmicli.uim-get-card-status", "--uim-get-card-status"),
    qmi("qmicli.nas-get-signal-strength", "--nas-get-signal-strength"),
    qmi("qmicli.nas-get-serving-system", "--nas-get-serving-system"),
    qmi("qmicli.wds-get-packet-service-status", "--wds-get-packet-service-status"),
    qmi("qmicli.wda-get-data-format", "--wda-get-data-format"),
    // The session as qmi-network sees it: its own state file plus a packet service query.
    { key: "qmi-network", program: "qmi-network", args: [o.qmiDevice, "status"], timeoutMs: 20_000, group: "modem" },
    { key: "nmcli.device", program: "nmcli", args: ["device", "status"], timeoutMs: 5_000 },
    { key: "resolv.conf", file: o.resolvConfPath },
    { key: "lsattr", program: "lsattr", args: [o.resolvConfPath], timeoutMs: 5_000 },
    ping(o.links.wifi),
    ping(o.links.cellular),
    {
      key: "ping",
      program: "ping",
      args: ["-c", "2", "-i", "0.2", "-W", String(o.probe.timeoutS), o.probe.ip],
      timeoutMs: (o.probe.timeoutS * 2 + 2) * 1000,
    },
  ];
}

/** The parser kind of a snapshot key: `ping@wlan0` is parsed as `ping`. */
export function kindOfKey(key: string): string {
  const at = key.indexOf("@");
  return at < 0 ? key : key.slice(0, at);
}

export function qualifierOfKey(key: string): string | undefined {
  const at = key.indexOf("@");
  return at < 0 ? undefined : key.slice(at + 1);
}
