import type { QmiMessage, Tlv } from "./qmux.ts";
import type { ModemState } from "./state.ts";

/**
 * One QMI request as a service handler sees it. A handler returns the response's TLVs, the
 * result TLV included (qmux.ts resultTlv), or `null` to leave it unanswered.
 */
export interface RequestContext {
  msg: QmiMessage;
  modem: ModemState;
  /** Which connection asked: the pty, or one qmicli process through the proxy socket. */
  connection: string;
}

export type Handler = (ctx: RequestContext) => Tlv[] | null;

/** A service's handlers by message id, and its version for CTL Get Version Info. */
export interface Service {
  name: string;
  id: number;
  version: [major: number, minor: number];
  handlers: Record<number, Handler>;
}
