// A Server-Sent Events parser (the WHATWG "event stream" format), fed chunks of text. Pure, so that
// the live stream can use fetch() with an Authorization header instead of EventSource, which
// cannot send one.

export function createSseParser(onMessage) {
  let buffer = "";
  let event = "";
  let data = [];
  let id = null;

  function dispatch() {
    if (data.length > 0) onMessage({ event: event || "message", data: data.join("\n"), id });
    event = "";
    data = [];
  }

  function line(l) {
    if (l === "") return dispatch();
    if (l.startsWith(":")) return; // a comment: the server's keep-alive
    const colon = l.indexOf(":");
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? "" : l.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }

  return {
    push(chunk) {
      buffer += chunk;
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const len = buffer[nl] === "\r" && buffer[nl + 1] === "\n" ? 2 : 1;
        // A lone "\r" at the end may be the first half of "\r\n": wait for the next chunk.
        if (buffer[nl] === "\r" && nl === buffer.length - 1) break;
        line(buffer.slice(0, nl));
        buffer = buffer.slice(nl + len);
      }
    },
  };
}
