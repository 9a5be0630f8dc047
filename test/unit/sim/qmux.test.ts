import { describe, expect, it } from "vitest";
import { FrameReader, QmuxError, decodeMessage, encodeMessage, resultOf, resultTlv, responseTo, stringTlv, tlv, u8Tlv, w, type QmiMessage } from "../../sim/qmi-modem/qmux.ts";

// A CTL Allocate CID request for WDS as libqmi writes it (qmi-message.c: marker, QMUX header,
// CTL header with a one-byte transaction, TLV 0x01 = service 0x01).
const ALLOCATE_WDS = Buffer.from([0x01, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x22, 0x00, 0x04, 0x00, 0x01, 0x01, 0x00, 0x01]);

describe("QMUX framing", () => {
  it("decodes a CTL request byte for byte", () => {
    const m = decodeMessage(ALLOCATE_WDS);
    expect(m).toMatchObject({ service: 0, client: 0, qmuxFlags: 0, flags: 0, transaction: 7, messageId: 0x22 });
    expect(m.tlvs).toEqual([{ type: 1, value: Buffer.from([1]) }]);
  });

  it("encodes what it decodes, CTL and service messages alike", () => {
    expect(encodeMessage(decodeMessage(ALLOCATE_WDS))).toEqual(ALLOCATE_WDS);
    const wds: QmiMessage = { service: 1, client: 19, qmuxFlags: 0, flags: 0, transaction: 0x1234, messageId: 0x20, tlvs: [stringTlv(0x14, "internet")] };
    const bytes = encodeMessage(wds);
    // Service header: flags, u16 transaction (little endian), message id, TLV length.
    expect([...bytes.subarray(6, 13)]).toEqual([0x00, 0x34, 0x12, 0x20, 0x00, 11, 0x00]);
    expect(bytes.readUInt16LE(1)).toBe(bytes.length - 1);
    expect(decodeMessage(bytes)).toEqual(wds);
  });

  it("answers with the request's service, client and transaction, the response flags and the modem's QMUX flag", () => {
    const req = decodeMessage(ALLOCATE_WDS);
    const res = responseTo(req, [resultTlv(), tlv(0x01, w().u8(1).u8(19).done())]);
    expect(res).toMatchObject({ service: 0, client: 0, qmuxFlags: 0x80, flags: 0x01, transaction: 7, messageId: 0x22 });
    expect(resultOf(res)).toBe(0);
    const svc = responseTo({ ...req, service: 2, client: 5, transaction: 300 }, [resultTlv(37)]);
    expect(svc.flags).toBe(0x02);
    expect(resultOf(decodeMessage(encodeMessage(svc)))).toBe(37);
  });

  it("writes the result TLV as status and protocol error", () => {
    expect(resultTlv().value).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(resultTlv(14).value).toEqual(Buffer.from([1, 0, 14, 0]));
  });

  it("refuses malformed frames", () => {
    expect(() => decodeMessage(Buffer.from([0x02, 0, 0]))).toThrow(QmuxError);
    expect(() => decodeMessage(ALLOCATE_WDS.subarray(0, 12))).toThrow(QmuxError);
    const badTlv = Buffer.from(ALLOCATE_WDS);
    badTlv.writeUInt16LE(9, 13); // TLV claims 9 bytes
    expect(() => decodeMessage(badTlv)).toThrow(/truncated/);
  });

  it("splits a stream into frames however the reads fall, skipping noise", () => {
    const second = encodeMessage({ service: 3, client: 2, qmuxFlags: 0, flags: 0, transaction: 1, messageId: 0x24, tlvs: [u8Tlv(0x10, 1)] });
    const stream = Buffer.concat([Buffer.from([0x00, 0x7e]), ALLOCATE_WDS, second]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = new FrameReader();
      const got = [...r.push(stream.subarray(0, cut)).messages, ...r.push(stream.subarray(cut)).messages];
      expect(got.map((m) => m.messageId)).toEqual([0x22, 0x24]);
    }
  });

  it("reads strings inside sequences with a one-byte length, and whole-TLV strings without", () => {
    expect(w().u16(234).u16(15).str8("voda UK").done()).toEqual(Buffer.from([234, 0, 15, 0, 7, ...Buffer.from("voda UK")]));
    expect(stringTlv(0x11, "001010123456789").value.length).toBe(15);
  });
});
