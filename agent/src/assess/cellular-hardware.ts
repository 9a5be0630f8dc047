import type { LayerHealth } from "@uplink/shared";
import type { Facts } from "../diagnose/facts.ts";
import { ev } from "./evidence.ts";
import { degraded, failing, fix, ok, unknown } from "./layer.ts";

/** USB vendor ids of the modems uplink knows: SIMCom (SIM7600) and Quectel. */
const SIMCOM = "1e0e";
const QUECTEL = "2c7c";
/** SIM7600's composition with the QMI network function (qmi_wwan binds to interface 5). */
const SIMCOM_QMI_PID = "9001";

/** Layer 1 for the cellular link: the modem is on USB, its driver bound, and its interface exists. */
export function assessCellularHardware(f: Facts, ifname: string): LayerHealth {
  const evidence = [];
  const link = f.ipLink?.links.find((l) => l.ifname === ifname);
  const modem = f.lsusb?.devices.find((d) => [SIMCOM, QUECTEL].includes(d.vendorId.toLowerCase()));
  if (modem) evidence.push(ev("lsusb", `${modem.vendorId}:${modem.productId} ${modem.description ?? ""}`.trim()));
  if (link) evidence.push(ev("ip.link", `${ifname} exists`));
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
  if (!f.ipLink && !f.lsusb) return unknown("hardware", "neither ip link nor lsusb was captured");
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
  return failing("hardware", "interface-missing", `${ifname} does not exist`, [ev("ip.link", `no ${ifname}`), ...evidence]);
}
