// The live stream: GET /api/v1/stream read with fetch (so that the token goes in a header, not in
// the URL where proxies log it), reconnecting with backoff when it drops.
import { API } from "./api.js";
import { getToken } from "./session.js";
import { createSseParser } from "./sse-parse.js";

/**
 * @param {(update: {type: string, [k: string]: unknown}) => void} onUpdate
 * @param {(state: "connecting" | "live" | "down", detail?: string) => void} onState
 * @returns {() => void} stop
 */
export function connectLive(onUpdate, onState) {
  let stopped = false;
  let controller = null;
  let retryMs = 1000;
  let timer = null;

  async function run() {
    controller = new AbortController();
    onState("connecting");
    try {
      const res = await fetch(`${API}/stream`, {
        headers: { accept: "text/event-stream", authorization: `Bearer ${getToken()}` },
        signal: controller.signal,
        cache: "no-store",
      });
      if (!res.ok || !res.body) throw new Error(`the stream answered ${res.status}`);
      onState("live");
      retryMs = 1000;
      const parser = createSseParser((m) => {
        let body;
        try {
          body = JSON.parse(m.data);
        } catch {
          return;
        }
        // Either the SSE event name or the body's own type says what it is.
        const type = body?.type ?? m.event;
        if (type === "ping" || type === "hello") return;
        onUpdate({ ...body, type });
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
      throw new Error("the stream ended");
    } catch (err) {
      if (stopped) return;
      onState("down", err instanceof Error ? err.message : String(err));
      timer = setTimeout(run, retryMs);
      retryMs = Math.min(retryMs * 2, 15_000);
    }
  }

  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
    controller?.abort();
  };
}
