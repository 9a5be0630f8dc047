import { resultTlv, tlv, u8Tlv, u16Tlv, w } from "./qmux.ts";
import type { Service } from "./service.ts";
import type { Registration } from "./state.ts";

/** QmiNasRegistrationState. */
const REG: Record<Registration, number> = { "not-registered": 0, registered: 1, searching: 2, denied: 3 };
const LTE = 0x08; // QmiNasRadioInterface
const LTE_DATA = 0x0b; // QmiNasDataCapability

/** Network access: signal strength and serving system. */
export const nas: Service = {
  name: "nas",
  id: 0x03,
  version: [1, 25],
  handlers: {
    // Get Signal Strength: 0x01 current (dBm, radio), 0x11 RSSI list (u8 = -dBm), 0x16 RSRQ,
    // 0x17 LTE SNR (tenths of dB), 0x18 LTE RSRP. With no service the modem has none to give.
    0x0020: ({ modem }) => {
      const s = modem.snapshot;
      if (s.registration !== "registered" && s.registration !== "denied") return [resultTlv(74)];
      const g = s.signal;
      return [
        resultTlv(),
        tlv(0x01, w().i8(g.rssi).i8(LTE).done()),
        tlv(0x11, w().u16(1).u8(-g.rssi).i8(LTE).done()),
        tlv(0x16, w().i8(g.rsrq).i8(LTE).done()),
        tlv(0x17, w().i16(Math.round(g.snr * 10)).done()),
        tlv(0x18, w().i16(g.rsrp).done()),
      ];
    },
    // Get Serving System.
    0x0024: ({ modem }) => {
      const s = modem.snapshot;
      const registered = s.registration === "registered";
      const radios = registered ? [LTE] : [];
      const serving = w()
        .u8(REG[s.registration])
        .u8(registered ? 1 : 2) // CS attach: attached / detached
        .u8(registered ? 1 : 2) // PS attach
        .u8(registered ? 2 : 0) // selected network: 3gpp / unknown
        .u8(radios.length);
      for (const r of radios) serving.i8(r);
      const out = [resultTlv(), tlv(0x01, serving.done())];
      if (registered) {
        const roaming = s.network === "roaming" ? 0 : 1; // QmiNasRoamingIndicatorStatus: 0 on, 1 off
        const op = s.operator;
        out.push(
          u8Tlv(0x10, roaming),
          tlv(0x11, w().u8(1).u8(LTE_DATA).done()),
          tlv(0x12, w().u16(op.mcc).u16(op.mnc).str8(op.name).done()),
          tlv(0x15, w().u8(1).u8(LTE).u8(roaming).done()),
          tlv(0x1d, w().u32(op.cellId).done()),
          tlv(0x21, w().u8(2).u8(3).u8(0).u8(0).u8(0).done()), // available, cs-ps, hdr none
          u16Tlv(0x24, op.tac),
          tlv(0x27, w().u16(op.mcc).u16(op.mnc).u8(0).done()),
        );
      } else if (s.registration === "denied") {
        out.push(tlv(0x21, w().u8(1).u8(0).u8(0).u8(0).u8(1).done())); // limited, forbidden
      } else if (s.registration === "searching") {
        out.push(tlv(0x21, w().u8(0).u8(0).u8(0).u8(0).u8(0).done()));
      }
      return out;
    },
  },
};
