import type { LayerHealth } from "@uplink/shared";
import type { Facts } from "../diagnose/facts.ts";
import { ev } from "./evidence.ts";
import { degraded, failing, fix, ok, unknown } from "./layer.ts";
import { linkMissing, linkState } from "./link-state.ts";

/** USB vendor ids of the modems uplink knows: SIMCom (SIM7600) and Quectel. */
const SIMCOM = "1e0e";
const QUECTEL = "2c7c";
/** SIM7600's composition with the QMI network function (qmi_wwan binds to interface 5). */
const SIMCOM_QMI_PID = "9001";

/** Layer 1 for the cellular link: the modem is on USB, its driver bound, and its interface exists. */
export function assessCellularHardware(f: Facts, ifname: string): LayerHealth {
  const evidence = [];
  const state = linkState(f, ifname);
  const link = state?.link;
  const modem = f.lsusb?.devices.find((d) => [SIMCOM, QUECTEL].includes(d.vendorId.toLowerCase()));
  if (modem) evidence.push(ev("lsusb", `${modem.vendorId}:${modem.productId} ${modem.description ?? ""}`.trim()));
  if (state) evidence.push(ev(state.source, `${ifname} exists`));
  const underVoltageNow = f.throttled?.underVoltageNow === true;
  const underVoltageSeen = underVoltageNow || f.throttled?.underVoltageOccurred === true || f.dmesg?.underVoltage === true;
  if (f.throttled) evidence.push(ev("vcgencmd.get_throttled", `throttled=${f.throttled.raw}`));
  if (f.dmesg?.underVoltage) evidence.push(ev("dmesg", "Under-voltage detected"));

  if (link) {
    if (underVoltageSeen) {
      return degraded(
        "hardware",
        "under-voltage",
        `${ifname} is present, but the Pi has seen under-voltage${underVoltageNow ? " (now)" : ""}: USB modems drop out on a weak supply`,
        evidence,
      );
    }
    return ok("hardware", `${ifname} is present${modem ? ` (modem ${modem.vendorId}:${modem.productId})` : ""}`, evidence);
  }
  // The kernel's log says the modem left (or qmi_wwan let go of it), and nothing says it is here now.
  const gone = f.dmesg?.modemGone ? f.dmesg : undefined;
  if (gone && !modem) {
    evidence.push(ev("dmesg", gone.modemGoneLine ?? "the modem left"));
    if (gone.modemGoneHow === "driver-unbound") {
      return failing("hardware", "driver-not-bound", `qmi_wwan let go of the modem: there is no ${ifname}`, evidence, fix("modem.reset"));
    }
    return failing(
      "hardware",
      "modem-absent",
      `the modem dropped off USB${underVoltageSeen ? " after under-voltage" : ""}: replug it or check its power`,
      evidence,
    );
  }
  const missing = linkMissing(f, ifname);
  if (!missing && !f.lsusb) return unknown("hardware", "neither ip link, ip addr nor lsusb was captured");
  if (modem) {
    if (modem.vendorId.toLowerCase() === SIMCOM && modem.productId.toLowerCase() !== SIMCOM_QMI_PID) {
      return failing(
        "hardware",
        "modem-wrong-usb-mode",
        `the SIMCom modem enumerates as ${modem.vendorId}:${modem.productId}, not the QMI composition 9001`,
        evidence,
        fix("usbnet.qmi"),
      );
    }
    return failing(
      "hardware",
      "driver-not-bound",
      `the modem is on USB but there is no ${ifname}: qmi_wwan is not bound`,
      evidence,
      fix("modem.reset"),
    );
  }
  if (f.lsusb) {
    return failing(
      "hardware",
      "modem-absent",
      `no modem on USB${underVoltageSeen ? " and the Pi has seen under-voltage" : ""}: replug it or check its power`,
      evidence,
    );
  }
  return failing("hardware", "interface-missing", `${ifname} does not exist`, [ev(missing!.source, missing!.fact), ...evidence]);
}
