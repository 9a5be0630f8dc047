import fc from "fast-check";
import mqttPacket from "mqtt-packet";
import { MAX_PAYLOAD_BYTES } from "@uplink/shared";
import { describe, expect, it } from "vitest";
import { PACKET_SIZE_LIMITS } from "../../../server/src/broker/limits.ts";
import { INITIAL_GUARD_STATE, scanChunk, type GuardState, type ScanResult } from "../../../server/src/broker/packet-size-guard.ts";
import { fixedHeader } from "../../helpers/mqtt-fixed-header.ts";

const limits = PACKET_SIZE_LIMITS;

/** Feeds the chunks in order, as the socket would; stops at the first refusal. */
function scanAll(chunks: Uint8Array[], authenticated: boolean): ScanResult {
  let state: GuardState = INITIAL_GUARD_STATE;
  for (const c of chunks) {
    const r = scanChunk(state, c, authenticated, limits);
    if (!r.ok) return r;
    state = r.state;
  }
  return { ok: true, state };
}


const connect = mqttPacket.generate({ cmd: "connect", clientId: "pi-a", username: "pi-a", password: Buffer.from("secret"), protocolId: "MQTT", protocolVersion: 4, clean: false, keepalive: 30 });
const publish = (bytes: number) => mqttPacket.generate({ cmd: "publish", topic: "uplink/v1/pi-a/health", payload: Buffer.alloc(bytes, 0x61), qos: 1, messageId: 7, retain: false, dup: false });
const puback = mqttPacket.generate({ cmd: "puback", messageId: 7 });
const pingreq = mqttPacket.generate({ cmd: "pingreq" });

describe("the packet size guard", () => {
  it("refuses a CONNECT that announces 250 MiB from its first five bytes", () => {
    const r = scanChunk(INITIAL_GUARD_STATE, fixedHeader(0x10, 250 * 1024 * 1024), false, limits);
    expect(r).toMatchObject({ ok: false, refusal: { reason: "oversized-packet", packetType: 1, remainingLength: 250 * 1024 * 1024 } });
  });

  it("refuses it even when the header arrives one byte at a time", () => {
    const header = fixedHeader(0x10, 250 * 1024 * 1024);
    const r = scanAll([...header].map((b) => Uint8Array.of(b)), false);
    expect(r.ok).toBe(false);
  });

  it("passes a real CONNECT, then publishes up to the payload limit once authenticated", () => {
    expect(scanAll([connect], false).ok).toBe(true);
    const r = scanAll([publish(MAX_PAYLOAD_BYTES), puback, pingreq], true);
    expect(r).toEqual({ ok: true, state: INITIAL_GUARD_STATE });
  });

  it("holds every packet to the small bound before authentication, a publish too", () => {
    const r = scanAll([connect, publish(100 * 1024)], false);
    expect(r).toMatchObject({ ok: false, refusal: { reason: "oversized-packet", packetType: 3, limit: limits.beforeAuth } });
  });

  it("refuses a publish past the payload limit and its largest topic", () => {
    const r = scanChunk(INITIAL_GUARD_STATE, fixedHeader(0x32, limits.publish + 1), true, limits);
    expect(r).toMatchObject({ ok: false, refusal: { reason: "oversized-packet", packetType: 3 } });
  });

  it("refuses a subscribe the size of a publish", () => {
    const r = scanChunk(INITIAL_GUARD_STATE, fixedHeader(0x82, 200 * 1024), true, limits);
    expect(r).toMatchObject({ ok: false, refusal: { reason: "oversized-packet", packetType: 8 } });
  });

  it("refuses a remaining length that goes on past four bytes", () => {
    const r = scanChunk(INITIAL_GUARD_STATE, Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]), true, limits);
    expect(r).toMatchObject({ ok: false, refusal: { reason: "malformed-packet" } });
  });

  it("finds an oversized header right after a packet's body, in the same chunk", () => {
    const r = scanChunk(INITIAL_GUARD_STATE, Buffer.concat([connect, fixedHeader(0x30, 1 << 20)]), false, limits);
    expect(r).toMatchObject({ ok: false, refusal: { remainingLength: 1 << 20 } });
  });

  it("tracks packet boundaries the same however the stream is cut", () => {
    const stream = Buffer.concat([publish(3000), puback, pingreq, publish(0), publish(70_000), fixedHeader(0x30, limits.publish + 1)]);
    const whole = scanAll([stream], true);
    expect(whole.ok).toBe(false);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 40 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const chunks = at.slice(1).map((end, i) => stream.subarray(at[i]!, end));
        expect(scanAll(chunks, true)).toEqual(whole);
        // Without the last header, the stream ends on a packet boundary.
        const upTo = stream.length - fixedHeader(0x30, limits.publish + 1).length;
        const clean = at.filter((x) => x < upTo).concat(upTo);
        expect(scanAll(clean.slice(1).map((end, i) => stream.subarray(clean[i]!, end)), true)).toEqual({ ok: true, state: INITIAL_GUARD_STATE });
      }),
    );
  });
});
