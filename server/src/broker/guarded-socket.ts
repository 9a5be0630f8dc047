import { Duplex } from "node:stream";
import { INITIAL_GUARD_STATE, scanChunk, type GuardState, type PacketSizeLimits, type Refusal } from "./packet-size-guard.ts";

export interface GuardedSocket {
  /** What the broker reads and writes instead of the socket. */
  readonly stream: Duplex;
  /** From now on the socket's packets get the authenticated bounds. */
  authenticated(): void;
  /** Stops reading the socket (true) or reads again (false): the broker's ingest is too far behind. */
  hold(on: boolean): void;
}

/**
 * A socket behind the packet size guard: every chunk is scanned before the broker's parser sees
 * it, and the socket is destroyed as soon as a fixed header announces more than the bound. Writes
 * go straight to the socket (corked together, as mqtt-packet writes a packet in pieces).
 */
export function guardSocket(socket: Duplex, limits: PacketSizeLimits, onRefuse: (refusal: Refusal) => void): GuardedSocket {
  let state: GuardState = INITIAL_GUARD_STATE;
  let authenticated = false;
  let held = false;

  const whenDrained = (cb: (err?: Error | null) => void) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      cb();
    };
    socket.on("drain", done);
    socket.on("close", done);
  };

  const stream = new Duplex({
    allowHalfOpen: false,
    read() {
      if (!held) socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (socket.write(chunk)) cb();
      else whenDrained(cb);
    },
    writev(chunks, cb) {
      socket.cork();
      let ok = true;
      for (const { chunk } of chunks) ok = socket.write(chunk as Buffer) && ok;
      socket.uncork();
      if (ok) cb();
      else whenDrained(cb);
    },
    final(cb) {
      socket.end(() => cb());
    },
    destroy(err, cb) {
      if (!socket.destroyed) socket.destroy(err ?? undefined);
      cb(err);
    },
  });

  socket.on("data", (chunk: Buffer) => {
    const r = scanChunk(state, chunk, authenticated, limits);
    if (!r.ok) {
      onRefuse(r.refusal);
      socket.destroy();
      return;
    }
    state = r.state;
    // Back-pressure: while the broker does not read (it pauses a client during its password
    // check), the socket stops reading too, so at most a buffer's worth waits here.
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on("end", () => stream.push(null));
  socket.on("error", (err) => stream.destroy(err));
  socket.on("close", () => stream.destroy());
  socket.pause();

  return {
    stream,
    authenticated() {
      authenticated = true;
    },
    hold(on) {
      held = on;
      if (on) socket.pause();
      else socket.resume();
    },
  };
}
