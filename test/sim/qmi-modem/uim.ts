import { QMI_ERROR, resultTlv, tlv, w } from "./qmux.ts";
import type { Service } from "./service.ts";

/** A USIM's application identifier (ETSI's USIM RID and app code, no operator part). */
const USIM_AID = [0xa0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xff, 0xff, 0xff, 0xff, 0x89, 0x06, 0x19, 0x00, 0x00];

/** The UIM service: card status. */
export const uim: Service = {
  name: "uim",
  id: 0x0b,
  version: [1, 46],
  handlers: {
    // Get Card Status: TLV 0x10 (data/qmi-service-uim.json "UIM Card Status").
    0x002f: ({ modem }) => {
      const s = modem.snapshot;
      if (s.operatingMode !== "online" && s.operatingMode !== "low-power") return [resultTlv(QMI_ERROR.deviceNotReady)];
      const v = w();
      const noSession = 0xffff;
      if (s.sim === "absent" || s.sim === "error") {
        v.u16(noSession).u16(noSession).u16(noSession).u16(noSession).u8(1);
        // Card state absent (0) or error (2), UPIN not initialized, no retries, error code
        // (3 no ATR received when in error, 0 unknown when absent), no application.
        v.u8(s.sim === "absent" ? 0 : 2).u8(0).u8(0).u8(0).u8(s.sim === "error" ? 3 : 0).u8(0);
        return [resultTlv(), tlv(0x10, v.done())];
      }
      // Primary GW session on slot 1 application 1: index (slot << 8) | app, zero-based.
      v.u16(0x0000).u16(noSession).u16(noSession).u16(noSession).u8(1);
      v.u8(1).u8(0).u8(0).u8(0).u8(0); // present, UPIN not initialized, retries 0/0, error unknown
      v.u8(1); // one application
      // QmiUimCardApplicationState: 7 ready, 2 PIN required, 3 PUK required.
      const appState = s.sim === "ready" ? 7 : s.sim === "pin-required" ? 2 : 3;
      // QmiUimPinState: 2 enabled-verified, 1 enabled-not-verified, 4 blocked.
      const pin1 = s.sim === "ready" ? 2 : s.sim === "pin-required" ? 1 : 4;
      v.u8(2).u8(appState).u8(s.sim === "ready" ? 2 : 0).u8(0).u8(0).u8(0); // usim, state, perso ready/unknown, feature, retries
      v.bytes8(USIM_AID);
      v.u8(0); // UPIN replaces PIN1: no
      v.u8(pin1).u8(s.pinRetries).u8(s.pukRetries);
      v.u8(1).u8(3).u8(10); // PIN2 enabled-not-verified, 3, 10
      return [resultTlv(), tlv(0x10, v.done())];
    },
  },
};
