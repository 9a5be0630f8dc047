import { QMI_ERROR, findTlv, resultTlv, tlv, u8Tlv, u16Tlv, u32Tlv, w, type Tlv } from "./qmux.ts";
import type { Service } from "./service.ts";

const ipv4 = (a: string) => a.split(".").reduce((n, p) => n * 256 + Number(p), 0);
const mask = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** Wireless data: the packet data session. */
export const wds: Service = {
  name: "wds",
  id: 0x01,
  version: [1, 67],
  handlers: {
    // Start Network: APN 0x14; answers the packet data handle (0x01), or CallFailed with the call
    // end reason (0x10) and its verbose form (0x11).
    0x0020: ({ msg, modem }) => {
      const apn = findTlv(msg, 0x14)?.toString("utf8") ?? null;
      const r = modem.startSession(apn, msg.client);
      if (r.ok) return [resultTlv(), u32Tlv(0x01, r.pdh)];
      if (r.error === "noEffect") return [resultTlv(QMI_ERROR.noEffect)];
      const out: Tlv[] = [resultTlv(QMI_ERROR.callFailed)];
      if (r.end) {
        out.push(u16Tlv(0x10, r.end.reason));
        if (r.end.verbose) out.push(tlv(0x11, w().u16(r.end.verbose.type).i16(r.end.verbose.reason).done()));
      }
      return out;
    },
    // Stop Network: packet data handle 0x01.
    0x0021: ({ msg, modem }) => {
      const pdh = findTlv(msg, 0x01)?.readUInt32LE(0);
      if (pdh === undefined) return [resultTlv(QMI_ERROR.missingArgument)];
      const r = modem.stopSession(pdh);
      return [resultTlv(r === "ok" ? 0 : r === "invalidHandle" ? QMI_ERROR.invalidHandle : QMI_ERROR.noEffect)];
    },
    // Get Packet Service Status: QmiWdsConnectionStatus 0x01 (1 disconnected, 2 connected).
    0x0022: ({ modem }) => [resultTlv(), u8Tlv(0x01, modem.snapshot.session.status === "connected" ? 2 : 1)],
    // Get Current Settings: only while connected (a modem answers OutOfCall otherwise).
    0x002d: ({ modem }) => {
      const s = modem.snapshot;
      if (s.session.status !== "connected") return [resultTlv(QMI_ERROR.outOfCall)];
      const v4 = s.ipv4;
      return [
        resultTlv(),
        u8Tlv(0x11, 0), // PDP type IPv4
        tlv(0x14, Buffer.from(s.session.apn ?? "", "utf8")),
        u32Tlv(0x15, ipv4(v4.dns[0])),
        u32Tlv(0x16, ipv4(v4.dns[1])),
        u8Tlv(0x1d, 0), // authentication: none
        u32Tlv(0x1e, ipv4(v4.address)),
        u32Tlv(0x20, ipv4(v4.gateway)),
        u32Tlv(0x21, mask(v4.prefix)),
        u32Tlv(0x29, v4.mtu),
        u8Tlv(0x2b, 4), // IP family IPv4
      ];
    },
    // Get Autoconnect Settings (0x0034) and the rest: not supported by this simulation.
  },
};
