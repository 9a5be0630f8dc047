import { QMI_ERROR, findTlv, resultTlv, tlv, w, type Tlv } from "./qmux.ts";
import type { RequestContext, Service } from "./service.ts";

/** CTL message ids (data/qmi-service-ctl.json). */
export const CTL = {
  getVersionInfo: 0x0021,
  allocateCid: 0x0022,
  releaseCid: 0x0023,
  sync: 0x0027,
  /** libqmi's own message to qmi-proxy: "open this device for me" (TLV 0x01, the path). */
  internalProxyOpen: 0xff00,
} as const;

/**
 * The control service: the services the modem runs and their versions, client ids for them, sync.
 * Client ids live in the modem (ModemState.cids), so one qmicli process can allocate an id with
 * --client-no-release-cid and a later one use it with --client-cid, as qmi-network does.
 */
export function handleCtl(ctx: RequestContext, services: Service[]): Tlv[] | null {
  const { msg, modem } = ctx;
  switch (msg.messageId) {
    case CTL.getVersionInfo: {
      const list = w().u8(services.length + 1).u8(0).u16(1).u16(5);
      for (const s of services) list.u8(s.id).u16(s.version[0]).u16(s.version[1]);
      return [resultTlv(), tlv(0x01, list.done())];
    }
    case CTL.allocateCid: {
      const service = findTlv(msg, 0x01)?.readUInt8(0);
      if (service === undefined) return [resultTlv(QMI_ERROR.missingArgument)];
      if (!services.some((s) => s.id === service)) return [resultTlv(QMI_ERROR.invalidQmiCommand)];
      const cid = modem.cids.allocate(service);
      if (cid === null) return [resultTlv(QMI_ERROR.clientIdsExhausted)];
      return [resultTlv(), tlv(0x01, w().u8(service).u8(cid).done())];
    }
    case CTL.releaseCid: {
      const info = findTlv(msg, 0x01);
      if (!info || info.length < 2) return [resultTlv(QMI_ERROR.missingArgument)];
      const [service, cid] = [info.readUInt8(0), info.readUInt8(1)];
      if (!modem.cids.release(service, cid)) return [resultTlv(QMI_ERROR.invalidClientId)];
      return [resultTlv(), tlv(0x01, w().u8(service).u8(cid).done())];
    }
    case CTL.sync:
      // A real modem releases every client id on sync.
      modem.cids.clear();
      return [resultTlv()];
    case CTL.internalProxyOpen:
      // Answered by the transport (server.ts), which knows whether this is a proxy connection.
      return [resultTlv()];
    default:
      return [resultTlv(QMI_ERROR.invalidQmiCommand)];
  }
}
