import { rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { CTL, handleCtl } from "./ctl.ts";
import { dms } from "./dms.ts";
import { nas } from "./nas.ts";
import { FrameReader, QMI_ERROR, SERVICE, encodeMessage, isRequest, resultOf, resultTlv, responseTo, type QmiMessage } from "./qmux.ts";
import type { Service } from "./service.ts";
import { ModemState } from "./state.ts";
import { uim } from "./uim.ts";
import { wda } from "./wda.ts";
import { wds } from "./wds.ts";

export const SERVICES: Service[] = [wds, dms, nas, uim, wda];

/** One request the modem saw, and what it answered (for tests: which messages the tools sent). */
export interface Exchange {
  at: number;
  connection: string;
  service: string;
  messageId: number;
  client: number;
  /** 0 success, a QMI protocol error, or null when the modem did not answer. */
  result: number | null;
}

const serviceName = (id: number) => (id === SERVICE.ctl ? "ctl" : (SERVICES.find((s) => s.id === id)?.name ?? `0x${id.toString(16)}`));

/**
 * The simulated modem's QMUX endpoint on a unix socket. Every connection is a channel to the
 * modem: the pty's socat (`PTY,link=...,rawer UNIX-CONNECT:<socket>`, one long channel, as a
 * cdc-wdm device) or one qmicli process through `ABSTRACT-LISTEN:qmi-proxy,fork` (starting with
 * libqmi's internal proxy-open request, as qmi-proxy gets it).
 *
 * While the modem is off USB every channel is closed and new ones are refused; while it does not
 * answer, requests are read and left unanswered (qmicli gives up after its timeout).
 */
export class QmiModemServer {
  private server: Server | null = null;
  private readonly sockets = new Map<Socket, string>();
  private seq = 0;
  readonly log: Exchange[] = [];
  /**
   * Awaited before each answer is written: the testbed makes the carrier catch up with the
   * modem first, so that a session start answers once its bearer carries traffic.
   */
  replyGate: (() => Promise<void>) | null = null;
  private readonly pending = new WeakMap<Socket, Promise<void>>();

  constructor(
    readonly socketPath: string,
    readonly modem: ModemState = new ModemState(),
  ) {
    modem.on("gone", () => this.closeAll());
  }

  async listen(): Promise<void> {
    rmSync(this.socketPath, { force: true });
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.socketPath, () => resolve());
    });
  }

  async close(): Promise<void> {
    this.closeAll();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    rmSync(this.socketPath, { force: true });
  }

  /** The messages seen since `since` (ms since the epoch), by `service:0xID` name. */
  seen(since = 0): string[] {
    return this.log.filter((e) => e.at >= since).map((e) => `${e.service}:0x${e.messageId.toString(16).padStart(4, "0")}`);
  }

  private closeAll(): void {
    for (const s of this.sockets.keys()) s.destroy();
    this.sockets.clear();
  }

  private accept(socket: Socket): void {
    if (!this.modem.snapshot.present) {
      socket.destroy();
      return;
    }
    const name = `conn${++this.seq}`;
    this.sockets.set(socket, name);
    const reader = new FrameReader();
    socket.on("data", (chunk: Buffer) => {
      for (const msg of reader.push(chunk).messages) this.handle(socket, name, msg);
    });
    socket.on("error", () => {});
    socket.on("close", () => this.sockets.delete(socket));
  }

  private handle(socket: Socket, connection: string, msg: QmiMessage): void {
    if (!isRequest(msg)) return;
    const snap = this.modem.snapshot;
    let tlvs;
    if (msg.service === SERVICE.ctl && msg.messageId === CTL.internalProxyOpen) {
      // The proxy itself answers this one, whether or not the modem behind it does.
      tlvs = [resultTlv(snap.present ? 0 : QMI_ERROR.internal)];
    } else if (!snap.answering) {
      tlvs = null;
    } else if (msg.service === SERVICE.ctl) {
      tlvs = handleCtl({ msg, modem: this.modem, connection }, SERVICES);
    } else {
      const service = SERVICES.find((s) => s.id === msg.service);
      if (!service) tlvs = [resultTlv(QMI_ERROR.invalidQmiCommand)];
      else if (!this.modem.cids.has(msg.service, msg.client)) tlvs = [resultTlv(QMI_ERROR.invalidClientId)];
      else {
        const handler = service.handlers[msg.messageId];
        tlvs = handler ? handler({ msg, modem: this.modem, connection }) : [resultTlv(QMI_ERROR.invalidQmiCommand)];
      }
    }
    const response = tlvs ? responseTo(msg, tlvs) : null;
    this.log.push({
      at: Date.now(),
      connection,
      service: serviceName(msg.service),
      messageId: msg.messageId,
      client: msg.client,
      result: response ? (resultOf(response) ?? 0) : null,
    });
    if (this.log.length > 5000) this.log.splice(0, this.log.length - 5000);
    if (!response) return;
    const bytes = encodeMessage(response);
    const gate = this.replyGate;
    if (!gate) {
      if (!socket.destroyed) socket.write(bytes);
      return;
    }
    // Answers stay in order on each channel.
    const next = (this.pending.get(socket) ?? Promise.resolve())
      .then(() => gate())
      .catch(() => {})
      .then(() => {
        if (!socket.destroyed) socket.write(bytes);
      });
    this.pending.set(socket, next);
  }
}
