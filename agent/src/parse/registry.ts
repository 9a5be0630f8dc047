import type { ParserKind } from "./result.ts";
// ip (iproute2)
import { ipAddrKind } from "./ip-addr.ts";
import { ipLinkKind } from "./ip-link.ts";
import { ipRouteGetKind } from "./ip-route-get.ts";
import { ipRouteKind } from "./ip-route.ts";
// qmicli / qmi-network
import { qmiNetworkKind } from "./qmi-network.ts";
import { dmsGetIdsKind } from "./qmicli-dms-get-ids.ts";
import { dmsGetOperatingModeKind } from "./qmicli-dms-get-operating-mode.ts";
import { nasGetServingSystemKind } from "./qmicli-nas-get-serving-system.ts";
import { nasGetSignalStrengthKind } from "./qmicli-nas-get-signal-strength.ts";
import { uimGetCardStatusKind } from "./qmicli-uim-get-card-status.ts";
import { wdaGetDataFormatKind } from "./qmicli-wda-get-data-format.ts";
import { wdsGetCurrentSettingsKind } from "./qmicli-wds-get-current-settings.ts";
import { wdsGetPacketServiceStatusKind } from "./qmicli-wds-get-packet-service-status.ts";
// linux tools
import { dmesgKind } from "./dmesg.ts";
import { lsattrKind } from "./lsattr.ts";
import { lsusbKind } from "./lsusb.ts";
import { pingKind } from "./ping.ts";
import { resolvConfKind } from "./resolv-conf.ts";
import { udhcpcKind } from "./udhcpc.ts";
// modem and system
import { atKind } from "./at.ts";
import { mmcliModemKind } from "./mmcli-modem.ts";
import { nmcliDeviceKind } from "./nmcli-device.ts";
import { vcgencmdGetThrottledKind } from "./vcgencmd-get-throttled.ts";

/** Every parser kind, in the order `uplink-agent parse --list` prints them. */
export const kinds: readonly ParserKind[] = [
  // ip (iproute2)
  ipLinkKind,
  ipAddrKind,
  ipRouteKind,
  ipRouteGetKind,
  // qmicli / qmi-network
  dmsGetIdsKind,
  dmsGetOperatingModeKind,
  uimGetCardStatusKind,
  nasGetSignalStrengthKind,
  nasGetServingSystemKind,
  wdsGetPacketServiceStatusKind,
  wdsGetCurrentSettingsKind,
  wdaGetDataFormatKind,
  qmiNetworkKind,
  // linux tools
  udhcpcKind,
  resolvConfKind,
  lsattrKind,
  lsusbKind,
  dmesgKind,
  pingKind,
  // modem and system
  atKind,
  mmcliModemKind,
  nmcliDeviceKind,
  vcgencmdGetThrottledKind,
];

export function findKind(name: string): ParserKind | undefined {
  return kinds.find((k) => k.kind === name);
}
