/**
 * Where MQTT packets begin and end in a byte stream, read from their fixed headers only, so that
 * an oversized packet is refused from its first few bytes. mqtt-packet (under aedes) buffers a
 * packet whole before anyone can look at it: a CONNECT that announces 250 MiB and then streams
 * them held 250 MiB per socket, before authentication. Pure: the socket shell (guarded-socket.ts)
 * feeds each chunk with the state the previous one left.
 *
 * Fixed header [MQTT-2.2]: one byte (packet type in the high nibble, flags in the low one), then
 * the remaining length in 1-4 bytes, 7 bits each, least significant first, the high bit meaning
 * "another byte follows".
 */

/** MQTT control packet types [MQTT-2.2.1]. */
export const PACKET_TYPE = { CONNECT: 1, PUBLISH: 3 } as const;

export interface PacketSizeLimits {
  /** Any packet, CONNECT included, before the client has authenticated. */
  readonly beforeAuth: number;
  /** PUBLISH after authentication: the payload limit plus topic and packet id. */
  readonly publish: number;
  /** Every other packet after authentication (SUBSCRIBE, PUBACK, PINGREQ, ...). */
  readonly control: number;
}

export interface GuardState {
  /** Bytes of the current packet's body still to pass. */
  readonly skip: number;
  /** The current fixed header read so far: type byte, then remaining-length bytes. */
  readonly header: readonly number[];
}

export const INITIAL_GUARD_STATE: GuardState = { skip: 0, header: [] };

export type Refusal = { reason: "oversized-packet"; packetType: number; remainingLength: number; limit: number } | { reason: "malformed-packet"; packetType: number };

export type ScanResult = { ok: true; state: GuardState } | { ok: false; refusal: Refusal };

export function limitFor(packetType: number, authenticated: boolean, limits: PacketSizeLimits): number {
  if (!authenticated) return limits.beforeAuth;
  return packetType === PACKET_TYPE.PUBLISH ? limits.publish : limits.control;
}

/** The largest remaining length 4 bytes can say [MQTT-2.2.3]: 256 MiB - 1. */
const MAX_LENGTH_BYTES = 4;

/**
 * Scans one chunk of a connection's byte stream. `authenticated` is whether the client had
 * authenticated when the chunk arrived: until then every packet gets the small bound.
 */
export function scanChunk(state: GuardState, chunk: Uint8Array, authenticated: boolean, limits: PacketSizeLimits): ScanResult {
  let skip = state.skip;
  let header = state.header.slice();
  let pos = 0;
  while (pos < chunk.length) {
    if (skip > 0) {
      const take = Math.min(skip, chunk.length - pos);
      skip -= take;
      pos += take;
      continue;
    }
    const byte = chunk[pos++]!;
    header.push(byte);
    if (header.length === 1) continue;
    const lengthBytes = header.length - 1;
    const packetType = header[0]! >> 4;
    if (byte & 0x80) {
      if (lengthBytes === MAX_LENGTH_BYTES) return { ok: false, refusal: { reason: "malformed-packet", packetType } };
      continue;
    }
    let remainingLength = 0;
    for (let i = lengthBytes; i >= 1; i--) remainingLength = remainingLength * 128 + (header[i]! & 0x7f);
    const limit = limitFor(packetType, authenticated, limits);
    if (remainingLength > limit) return { ok: false, refusal: { reason: "oversized-packet", packetType, remainingLength, limit } };
    skip = remainingLength;
    header = [];
  }
  return { ok: true, state: { skip, header } };
}
