/**
 * QMUX framing, as libqmi writes and reads it (src/libqmi-glib/qmi-message.c): pure encode/decode.
 *
 *   u8  marker 0x01
 *   u16 length (little endian: every byte after the marker)
 *   u8  QMUX flags (0x00 from the host, 0x80 from the modem)
 *   u8  service, u8 client id
 *   CTL (service 0):  u8 flags (0 request, 1 response, 2 indication), u8 transaction
 *   other services:   u8 flags (0 request, 2 response, 4 indication), u16 transaction
 *   u16 message id, u16 TLV bytes, then TLVs: u8 type, u16 length, value
 *
 * Every integer is little endian. The result TLV (0x02) of every response is u16 status (0 success,
 * 1 failure) and u16 QMI protocol error.
 */

export const QMUX_MARKER = 0x01;
export const QMUX_FLAG_FROM_SERVICE = 0x80;

export const CTL_FLAG = { request: 0x00, response: 0x01, indication: 0x02 } as const;
export const SERVICE_FLAG = { request: 0x00, response: 0x02, indication: 0x04 } as const;

/** QmiService (src/libqmi-glib/qmi-enums.h). */
export const SERVICE = { ctl: 0x00, wds: 0x01, dms: 0x02, nas: 0x03, qos: 0x04, wms: 0x05, pds: 0x06, voice: 0x09, uim: 0x0b, pbm: 0x0c, loc: 0x10, wda: 0x1a, pdc: 0x24, dsd: 0x2a } as const;

export interface Tlv {
  type: number;
  value: Buffer;
}

export interface QmiMessage {
  service: number;
  client: number;
  /** QMUX flags: 0x80 when the modem sent it. */
  qmuxFlags: number;
  /** The QMI header's flags (request, response or indication). */
  flags: number;
  transaction: number;
  messageId: number;
  tlvs: Tlv[];
}

export class QmuxError extends Error {}

const isCtl = (service: number) => service === SERVICE.ctl;

export function encodeMessage(m: QmiMessage): Buffer {
  const tlvBytes = m.tlvs.reduce((n, t) => n + 3 + t.value.length, 0);
  const headerBytes = isCtl(m.service) ? 6 : 7;
  const length = 5 + headerBytes + tlvBytes;
  if (length > 0xffff) throw new QmuxError(`message too long: ${length} bytes`);
  const out = Buffer.alloc(1 + length);
  let o = 0;
  out.writeUInt8(QMUX_MARKER, o++);
  out.writeUInt16LE(length, o);
  o += 2;
  out.writeUInt8(m.qmuxFlags, o++);
  out.writeUInt8(m.service, o++);
  out.writeUInt8(m.client, o++);
  out.writeUInt8(m.flags, o++);
  if (isCtl(m.service)) {
    out.writeUInt8(m.transaction & 0xff, o++);
  } else {
    out.writeUInt16LE(m.transaction & 0xffff, o);
    o += 2;
  }
  out.writeUInt16LE(m.messageId, o);
  o += 2;
  out.writeUInt16LE(tlvBytes, o);
  o += 2;
  for (const t of m.tlvs) {
    out.writeUInt8(t.type, o++);
    out.writeUInt16LE(t.value.length, o);
    o += 2;
    t.value.copy(out, o);
    o += t.value.length;
  }
  return out;
}

/** Decodes one whole frame (marker included). Throws QmuxError on a malformed one. */
export function decodeMessage(frame: Buffer): QmiMessage {
  if (frame.length < 1 + 5 || frame[0] !== QMUX_MARKER) throw new QmuxError("not a QMUX frame");
  const length = frame.readUInt16LE(1);
  if (frame.length !== 1 + length) throw new QmuxError(`QMUX length ${length} but ${frame.length - 1} bytes`);
  const qmuxFlags = frame.readUInt8(3);
  const service = frame.readUInt8(4);
  const client = frame.readUInt8(5);
  let o = 6;
  const headerBytes = isCtl(service) ? 6 : 7;
  if (frame.length < o + headerBytes) throw new QmuxError("QMI header truncated");
  const flags = frame.readUInt8(o++);
  let transaction: number;
  if (isCtl(service)) {
    transaction = frame.readUInt8(o++);
  } else {
    transaction = frame.readUInt16LE(o);
    o += 2;
  }
  const messageId = frame.readUInt16LE(o);
  o += 2;
  const tlvBytes = frame.readUInt16LE(o);
  o += 2;
  if (o + tlvBytes !== frame.length) throw new QmuxError(`TLV length ${tlvBytes} does not fill the frame`);
  const tlvs: Tlv[] = [];
  while (o < frame.length) {
    if (o + 3 > frame.length) throw new QmuxError("TLV header truncated");
    const type = frame.readUInt8(o);
    const len = frame.readUInt16LE(o + 1);
    o += 3;
    if (o + len > frame.length) throw new QmuxError(`TLV 0x${type.toString(16)} truncated`);
    tlvs.push({ type, value: Buffer.from(frame.subarray(o, o + len)) });
    o += len;
  }
  return { service, client, qmuxFlags, flags, transaction, messageId, tlvs };
}

/**
 * Splits a byte stream into frames: a read may hold half a frame or several. Bytes before a marker
 * are skipped (a pty may carry line noise); a malformed frame is reported and skipped.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { messages: QmiMessage[]; errors: string[] } {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const messages: QmiMessage[] = [];
    const errors: string[] = [];
    for (;;) {
      const start = this.buf.indexOf(QMUX_MARKER);
      if (start < 0) {
        this.buf = Buffer.alloc(0);
        break;
      }
      if (start > 0) this.buf = this.buf.subarray(start);
      if (this.buf.length < 3) break;
      const total = 1 + this.buf.readUInt16LE(1);
      if (this.buf.length < total) break;
      const frame = this.buf.subarray(0, total);
      this.buf = this.buf.subarray(total);
      try {
        messages.push(decodeMessage(Buffer.from(frame)));
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    return { messages, errors };
  }
}

/** The answer to a request: same service, client and transaction, response flags. */
export function responseTo(req: QmiMessage, tlvs: Tlv[]): QmiMessage {
  return {
    service: req.service,
    client: req.client,
    qmuxFlags: QMUX_FLAG_FROM_SERVICE,
    flags: isCtl(req.service) ? CTL_FLAG.response : SERVICE_FLAG.response,
    transaction: req.transaction,
    messageId: req.messageId,
    tlvs,
  };
}

export function isRequest(m: QmiMessage): boolean {
  return m.flags === (isCtl(m.service) ? CTL_FLAG.request : SERVICE_FLAG.request) && (m.qmuxFlags & QMUX_FLAG_FROM_SERVICE) === 0;
}

// TLV values --------------------------------------------------------------------------------

/** Builds a TLV value field by field, little endian. */
export class TlvWriter {
  private parts: Buffer[] = [];
  u8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeUInt8(v & 0xff);
    return this.push(b);
  }
  i8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v & 0xffff);
    return this.push(b);
  }
  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16LE(v);
    return this.push(b);
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.push(b);
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.push(b);
  }
  /** A string inside a sequence or struct: u8 length prefix (libqmi's default). */
  str8(s: string): this {
    const v = Buffer.from(s, "utf8");
    return this.u8(v.length).push(v);
  }
  /** A string that is a whole TLV: no prefix, the TLV length says how long. */
  raw(b: Buffer): this {
    return this.push(b);
  }
  bytes8(b: number[]): this {
    this.u8(b.length);
    return this.push(Buffer.from(b));
  }
  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export const tlv = (type: number, value: Buffer): Tlv => ({ type, value });
export const w = () => new TlvWriter();
export const u8Tlv = (type: number, v: number) => tlv(type, w().u8(v).done());
export const u16Tlv = (type: number, v: number) => tlv(type, w().u16(v).done());
export const u32Tlv = (type: number, v: number) => tlv(type, w().u32(v).done());
export const stringTlv = (type: number, s: string) => tlv(type, Buffer.from(s, "utf8"));

export const RESULT_TLV = 0x02;

/** The result TLV: success, or failure with a QMI protocol error. */
export function resultTlv(error = 0): Tlv {
  return tlv(RESULT_TLV, w().u16(error === 0 ? 0 : 1).u16(error).done());
}

export function findTlv(m: QmiMessage, type: number): Buffer | undefined {
  return m.tlvs.find((t) => t.type === type)?.value;
}

/** Reads the result TLV of a response: 0 for success, else the protocol error. */
export function resultOf(m: QmiMessage): number | undefined {
  const v = findTlv(m, RESULT_TLV);
  if (!v || v.length < 4) return undefined;
  return v.readUInt16LE(0) === 0 ? 0 : v.readUInt16LE(2);
}

/** QMI protocol errors (src/libqmi-glib/qmi-errors.h) the simulator answers with. */
export const QMI_ERROR = {
  none: 0,
  malformedMessage: 1,
  internal: 3,
  clientIdsExhausted: 5,
  invalidClientId: 7,
  invalidHandle: 9,
  noNetworkFound: 13,
  callFailed: 14,
  outOfCall: 15,
  missingArgument: 17,
  noEffect: 26,
  pinBlocked: 35,
  uimUninitialized: 37,
  deviceNotReady: 52,
  invalidQmiCommand: 71,
  informationUnavailable: 74,
  notSupported: 94,
  noSim: 102,
} as const;
