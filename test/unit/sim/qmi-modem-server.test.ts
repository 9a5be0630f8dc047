import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FrameReader, encodeMessage, findTlv, resultOf, stringTlv, tlv, w, type QmiMessage, type Tlv } from "../../sim/qmi-modem/qmux.ts";
import { QmiModemServer } from "../../sim/qmi-modem/server.ts";
import { CALL_END, ModemState } from "../../sim/qmi-modem/state.ts";

/** A host side of one channel: sends requests, reads answers (null when none comes in time). */
class Channel {
  private reader = new FrameReader();
  private got: QmiMessage[] = [];
  private waiters: (() => void)[] = [];
  private tx = 1;
  constructor(private readonly socket: Socket) {
    socket.on("data", (b: Buffer) => {
      this.got.push(...this.reader.push(b).messages);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async request(service: number, client: number, messageId: number, tlvs: Tlv[] = [], waitMs = 500): Promise<QmiMessage | null> {
    const transaction = this.tx++;
    this.socket.write(encodeMessage({ service, client, qmuxFlags: 0, flags: 0, transaction, messageId, tlvs }));
    const until = Date.now() + waitMs;
    for (;;) {
      const i = this.got.findIndex((m) => m.transaction === transaction && m.messageId === messageId);
      if (i >= 0) return this.got.splice(i, 1)[0]!;
      if (Date.now() > until) return null;
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
}

describe("the simulated modem's QMUX endpoint", () => {
  let dir: string;
  let server: QmiModemServer;
  let modem: ModemState;
  let channel: Channel;
  let socket: Socket;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "qmi-modem-"));
    modem = new ModemState({ registerMs: 10, resetAbsentMs: 50 });
    server = new QmiModemServer(join(dir, "modem.sock"), modem);
    await server.listen();
    socket = connect(server.socketPath);
    await new Promise((r) => socket.once("connect", r));
    channel = new Channel(socket);
  });

  afterEach(async () => {
    socket.destroy();
    await server.close();
    modem.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const allocate = async (service: number) => {
    const res = await channel.request(0, 0, 0x22, [tlv(0x01, w().u8(service).done())]);
    expect(resultOf(res!)).toBe(0);
    return findTlv(res!, 0x01)!.readUInt8(1);
  };

  it("answers libqmi's proxy-open, allocates and releases client ids, and lists its services", async () => {
    expect(resultOf((await channel.request(0, 0, 0xff00, [stringTlv(0x01, "/dev/cdc-wdm0")]))!)).toBe(0);
    const cid = await allocate(0x01);
    expect(modem.cids.has(0x01, cid)).toBe(true);
    const released = await channel.request(0, 0, 0x23, [tlv(0x01, w().u8(0x01).u8(cid).done())]);
    expect(resultOf(released!)).toBe(0);
    expect(modem.cids.has(0x01, cid)).toBe(false);
    const versions = findTlv((await channel.request(0, 0, 0x21))!, 0x01)!;
    const services = Array.from({ length: versions.readUInt8(0) }, (_, i) => versions.readUInt8(1 + i * 5));
    expect(services).toEqual(expect.arrayContaining([0x00, 0x01, 0x02, 0x03, 0x0b, 0x1a]));
    expect(server.seen()).toEqual(["ctl:0xff00", "ctl:0x0022", "ctl:0x0023", "ctl:0x0021"]);
  });

  it("refuses a service request from a client id it never gave out", async () => {
    expect(resultOf((await channel.request(0x02, 9, 0x25))!)).toBe(7); // InvalidClientId
  });

  it("starts a session with its packet data handle, or fails it with the call end reason", async () => {
    const cid = await allocate(0x01);
    const started = await channel.request(0x01, cid, 0x20, [stringTlv(0x14, "internet")]);
    expect(resultOf(started!)).toBe(0);
    const pdh = findTlv(started!, 0x01)!.readUInt32LE(0);
    expect(modem.snapshot.session).toMatchObject({ status: "connected", pdh, apn: "internet" });
    const status = await channel.request(0x01, cid, 0x22);
    expect(findTlv(status!, 0x01)!.readUInt8(0)).toBe(2);
    expect(resultOf((await channel.request(0x01, cid, 0x21, [tlv(0x01, w().u32(pdh).done())]))!)).toBe(0);
    modem.set({ startFailure: CALL_END.optionUnsubscribed });
    const failed = await channel.request(0x01, cid, 0x20, [stringTlv(0x14, "internet")]);
    expect(resultOf(failed!)).toBe(14); // CallFailed
    expect(findTlv(failed!, 0x10)!.readUInt16LE(0)).toBe(1018);
    expect([...findTlv(failed!, 0x11)!]).toEqual([6, 0, 33, 0]);
  });

  it("reads requests and leaves them unanswered while it does not answer; closes its channels when it leaves USB", async () => {
    const cid = await allocate(0x02);
    modem.set({ answering: false });
    expect(await channel.request(0x02, cid, 0x25, [], 200)).toBeNull();
    expect(server.log.at(-1)).toMatchObject({ service: "dms", messageId: 0x25, result: null });
    modem.set({ answering: true });
    const closed = new Promise((r) => socket.once("close", r));
    modem.leaveUsb();
    await closed;
  });

  it("answers a reset, then goes off USB and comes back without the old client ids", async () => {
    const cid = await allocate(0x02);
    const gone = new Promise((r) => modem.once("gone", r));
    expect(resultOf((await channel.request(0x02, cid, 0x2e, [tlv(0x01, w().u8(4).done())]))!)).toBe(0);
    await gone;
    expect(modem.snapshot.present).toBe(false);
    await new Promise((r) => modem.once("back", r));
    expect(modem.cids.count()).toBe(0);
  });
});
