import { startSimDevice, type SimDevice } from "./sim-device.ts";

/**
 * A small fleet for the dashboard's tests and screenshots: each device replays a real captured
 * snapshot (test/fixtures/snapshots), so the fleet shows a healthy Pi, a missing SIM, Wi-Fi gone
 * (traffic on 4G), DNS failing and so on, side by side.
 */
export const DEMO_FLEET: ReadonlyArray<{ deviceId: string; snapshot: string; fixes?: Record<string, string> }> = [
  { deviceId: "pi-barn-01", snapshot: "healthy" },
  { deviceId: "pi-depot-02", snapshot: "no-packet-session", fixes: { "qmi.restart": "healthy" } },
  { deviceId: "pi-field-03", snapshot: "wifi-gone", fixes: { "link.prefer": "wifi-gone" } },
  { deviceId: "pi-kiosk-04", snapshot: "dns-failing", fixes: { "dns.repair": "healthy" } },
  { deviceId: "pi-pump-05", snapshot: "no-sim" },
  { deviceId: "pi-gate-06", snapshot: "wifi-no-upstream", fixes: { "link.prefer": "wifi-gone" } },
  { deviceId: "pi-mill-07", snapshot: "no-lease", fixes: { "dhcp.renew": "healthy" } },
  { deviceId: "pi-silo-08", snapshot: "interface-down", fixes: { "link.up": "healthy" } },
];

export async function startDemoFleet(
  mqttUrl: string,
  credentials: (deviceId: string) => Promise<string>,
  opts: { heartbeatMs?: number; stepMs?: number; only?: string[] } = {},
): Promise<Map<string, SimDevice>> {
  const devices = new Map<string, SimDevice>();
  for (const d of DEMO_FLEET) {
    if (opts.only && !opts.only.includes(d.deviceId)) continue;
    const password = await credentials(d.deviceId);
    devices.set(
      d.deviceId,
      await startSimDevice({ deviceId: d.deviceId, password, mqttUrl, snapshot: d.snapshot, fixes: d.fixes, heartbeatMs: opts.heartbeatMs, stepMs: opts.stepMs }),
    );
  }
  return devices;
}
