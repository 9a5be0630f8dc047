import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Diagnosis, LayerHealth } from "@uplink/shared";
import { diagnose } from "../../../agent/src/diagnose/diagnose.ts";
import { defaultDiagnoseOptions } from "../../../agent/src/diagnose/options.ts";
import { readSnapshotDir } from "../../../agent/src/diagnose/snapshot.ts";
import { FIXTURES } from "../../helpers/fixtures.ts";

const options = defaultDiagnoseOptions({ probe: { ip: "192.0.2.1", name: "probe.uplink.test", timeoutS: 2 } });
const fixture = (path: string) => readFileSync(join(FIXTURES, path), "utf8");

/** A captured scenario with some captures swapped for other real ones (or removed: null). */
async function variant(base: string, changes: Record<string, string | null>): Promise<Diagnosis> {
  const snapshot = await readSnapshotDir(join(FIXTURES, "snapshots", base));
  for (const [key, path] of Object.entries(changes)) {
    if (path === null) snapshot.delete(key);
    else snapshot.set(key, fixture(path));
  }
  return diagnose(snapshot, options);
}

const layer = (d: Diagnosis, link: string, name: string): LayerHealth => d.links[link]!.layers.find((l) => l.name === name)!;

describe("layer rules on real captures", () => {
  it("calls a connected session that passes nothing a phantom bearer, at the session layer", async () => {
    const d = await variant("healthy", { "ping@wwan0": "ping/iputils-20221126-total-loss.txt" });
    expect(d.links.wwan0!.firstFailingLayer).toBe("session");
    expect(layer(d, "wwan0", "session")).toMatchObject({ cause: "phantom-bearer", fix: { name: "qmi.restart" } });
  });

  it("marks under-voltage as degraded hardware, not the root cause", async () => {
    const d = await variant("healthy", { "vcgencmd.get_throttled": "vcgencmd/rpi3-under-voltage-and-throttled-now.txt" });
    expect(layer(d, "wwan0", "hardware")).toMatchObject({ state: "degraded", cause: "under-voltage" });
    expect(d.links.wwan0!.firstFailingLayer).toBeNull();
  });

  it("names a SIM in error with libqmi's card error", async () => {
    const d = await variant("healthy", { "qmicli.uim-get-card-status": "qmicli/uim-get-card-status/error-no-atr-received-quectel-em060k-collapsed.txt" });
    expect(layer(d, "wwan0", "session")).toMatchObject({ state: "failing", cause: "sim-error" });
    expect(layer(d, "wwan0", "session").summary).toContain("no-atr-received");
  });

  it("blames the control channel when qmicli cannot open the device", async () => {
    const d = await variant("healthy", { "qmicli.uim-get-card-status": "qmicli/uim-get-card-status/no-device-debian12-libqmi-1.32.2.txt" });
    expect(layer(d, "wwan0", "session")).toMatchObject({ cause: "qmi-unreachable", fix: { name: "modem.reset" } });
  });

  it("reads a modem that is not online from its operating mode", async () => {
    const d = await variant("healthy", { "qmicli.dms-get-operating-mode": "qmicli/dms-get-operating-mode/low-power-dell-sierra-libqmi-devel-quoted.txt" });
    expect(layer(d, "wwan0", "session")).toMatchObject({ cause: "modem-not-online", fix: { name: "modem.reset" } });
  });

  it("says unknown, never failing, when the modem's captures are missing", async () => {
    const d = await variant("healthy", {
      "qmicli.uim-get-card-status": null,
      "qmicli.nas-get-serving-system": null,
      "qmi-network": null,
    });
    expect(layer(d, "wwan0", "session").state).toBe("unknown");
    expect(d.links.wwan0!.firstFailingLayer).toBeNull();
  });

  it("names a modem in another USB composition and the command that switches it to QMI", async () => {
    const d = await variant("modem-ecm-mode", {});
    expect(layer(d, "wwan0", "hardware")).toMatchObject({ cause: "modem-wrong-usb-mode", fix: { name: "usbnet.qmi", args: {} } });
  });

  it("names an unplugged modem at the hardware layer, with no remote fix", async () => {
    const d = await variant("modem-unplugged", {});
    expect(d.links.wwan0!.firstFailingLayer).toBe("hardware");
    expect(layer(d, "wwan0", "hardware")).toMatchObject({ cause: "modem-absent" });
    expect(layer(d, "wwan0", "hardware").fix).toBeUndefined();
    expect(d.host.firstFailingLayer).toBeNull();
  });

  it("judges DNS unknown when nothing is reachable at all", async () => {
    const d = await variant("dns-failing", { ping: "ping/iputils-20221126-network-unreachable.txt" });
    expect(d.host.layers.find((l) => l.name === "dns")!.state).toBe("unknown");
  });
});
