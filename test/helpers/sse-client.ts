import http from "node:http";

export interface SseClient {
  /** Bytes of stream body received so far. */
  readonly bytes: number;
  /** The text received so far (only kept when `keepText`). */
  readonly text: string;
  /** Resolves when the server has closed the stream. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  /** A client made with `read: false` starts reading (and counting) from here on. */
  resume(): void;
  close(): void;
}

/**
 * A Server-Sent Events client on a real socket. `read: false` connects and then never reads: the
 * socket is paused, so the kernel's buffers fill and the server's writes queue up in its own
 * memory, as a client on a stalled network would make them.
 */
export function openSse(
  baseUrl: string,
  token: string,
  opts: { path?: string; read?: boolean; keepText?: boolean; onFrame?: (event: string, data: string) => void } = {},
): Promise<SseClient> {
  const url = new URL(opts.path ?? "/api/v1/stream", baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let bytes = 0;
      let text = "";
      let pending = "";
      const frames = (chunk: Buffer) => {
        if (!opts.onFrame) return;
        pending += chunk.toString("utf8");
        let end: number;
        while ((end = pending.indexOf("\n\n")) >= 0) {
          const frame = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data !== undefined) opts.onFrame(event, data);
        }
      };
      let isClosed = false;
      const closed = new Promise<void>((done) => {
        const end = () => {
          isClosed = true;
          done();
        };
        res.once("close", end);
        res.once("error", end);
      });
      if (opts.read === false) {
        // Take the first chunk (the stream's opening comment), then never read again.
        res.once("data", (chunk: Buffer) => {
          bytes += chunk.byteLength;
          res.pause();
          res.socket.pause();
        });
      } else {
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.byteLength;
          if (opts.keepText) text += chunk.toString("utf8");
          frames(chunk);
        });
      }
      resolve({
        get bytes() {
          return bytes;
        },
        get text() {
          return text;
        },
        closed,
        get isClosed() {
          return isClosed;
        },
        resume: () => {
          res.on("data", (chunk: Buffer) => {
            bytes += chunk.byteLength;
          });
          res.socket.resume();
          res.resume();
        },
        close: () => req.destroy(),
      });
    });
    req.once("error", reject);
  });
}
