import { QMI_ERROR, findTlv, resultTlv, u8Tlv, u32Tlv } from "./qmux.ts";
import type { Service } from "./service.ts";

/** QmiWdaLinkLayerProtocol: 1 802-3, 2 raw-ip. */
const LLP = { "802-3": 1, "raw-ip": 2 } as const;

/** Wireless data administration: the data format the modem frames packets in. */
export const wda: Service = {
  name: "wda",
  id: 0x1a,
  version: [1, 16],
  handlers: {
    // Set Data Format: link layer protocol 0x11; answers the format now in use.
    0x0020: ({ msg, modem }) => {
      const llp = findTlv(msg, 0x11)?.readUInt32LE(0);
      if (llp !== undefined) {
        if (llp !== 1 && llp !== 2) return [resultTlv(QMI_ERROR.invalidQmiCommand)];
        modem.set({ linkLayer: llp === 1 ? "802-3" : "raw-ip" });
      }
      return format(modem.snapshot.linkLayer);
    },
    // Get Data Format. A SIM7600 in raw-ip mode with QMAP aggregation offered (as captured in
    // test/fixtures/qmicli/wda-get-data-format/raw-ip-qmap-simcom-sim7600e-netdev.txt).
    0x0021: ({ modem }) => format(modem.snapshot.linkLayer),
  },
};

function format(llp: keyof typeof LLP) {
  return [
    resultTlv(),
    u8Tlv(0x10, 0), // QoS flow header: no
    u32Tlv(0x11, LLP[llp]),
    u32Tlv(0x12, 5), // uplink aggregation: qmap
    u32Tlv(0x13, 5), // downlink aggregation: qmap
    u32Tlv(0x14, 0), // NDP signature
    u32Tlv(0x15, 10), // downlink max datagrams
    u32Tlv(0x16, 4096), // downlink max size
  ];
}
