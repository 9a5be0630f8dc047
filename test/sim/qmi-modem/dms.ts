import { QMI_ERROR, findTlv, resultTlv, stringTlv, u8Tlv } from "./qmux.ts";
import type { Service } from "./service.ts";
import type { OperatingMode } from "./state.ts";

/** QmiDmsOperatingMode (src/libqmi-glib/qmi-enums-dms.h). */
const MODES: Record<OperatingMode, number> = { online: 0, "low-power": 1, offline: 3, reset: 4, "shutting-down": 5 };
const MODE_OF = Object.fromEntries(Object.entries(MODES).map(([k, v]) => [v, k as OperatingMode]));

/** Device management: ids, operating mode (and a reset through it). */
export const dms: Service = {
  name: "dms",
  id: 0x02,
  version: [1, 14],
  handlers: {
    // Get IDs: ESN 0x10, IMEI 0x11, MEID 0x12, IMEI SV 0x13 (strings filling their TLV).
    0x0025: ({ modem }) => {
      const s = modem.snapshot;
      return [resultTlv(), stringTlv(0x10, "0"), stringTlv(0x11, s.imei), stringTlv(0x13, "11")];
    },
    // Get Operating Mode: mode 0x01, hardware restricted 0x11.
    0x002d: ({ modem }) => [resultTlv(), u8Tlv(0x01, MODES[modem.snapshot.operatingMode]), u8Tlv(0x11, 0)],
    // Set Operating Mode: mode 0x01. Reset answers first, then the modem leaves USB.
    0x002e: ({ msg, modem }) => {
      const mode = findTlv(msg, 0x01)?.readUInt8(0);
      if (mode === undefined) return [resultTlv(QMI_ERROR.missingArgument)];
      const name = MODE_OF[mode];
      if (!name || name === "shutting-down") return [resultTlv(QMI_ERROR.invalidQmiCommand)];
      if (name === modem.snapshot.operatingMode) return [resultTlv(QMI_ERROR.noEffect)];
      modem.setOperatingMode(name);
      return [resultTlv()];
    },
  },
};
