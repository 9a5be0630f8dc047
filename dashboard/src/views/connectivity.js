// One device over a window (24 h or 7 d): a strip of what carried its traffic (Wi-Fi, 4G, offline),
// time per link, its outages and the data used per link. From GET /devices/:id/history.
import { h } from "../dom.js";
import { LINK_KIND_LABELS, bytes, duration, linkKind, percent } from "../fleet-model.js";

export const WINDOWS = [
  ["24h", "24 h"],
  ["7d", "7 d"],
];
const WINDOW_LABEL = Object.fromEntries(WINDOWS);

/** "Wi-Fi (wlan0)", "offline". */
function stateLabel(state) {
  const kind = linkKind(state);
  return kind === "offline" || kind === "unknown" ? LINK_KIND_LABELS[kind] : `${LINK_KIND_LABELS[kind]} (${state})`;
}

const fmt = (iso) => new Date(iso).toLocaleString([], { dateStyle: "short", timeStyle: "short" });
const when = (iso) => h("time", { datetime: iso, title: iso }, fmt(iso));

/**
 * @param {{ history: object | null, window: string, loading: boolean, error: Error | null }} s
 * @param {(window: string) => void} onWindow
 */
export function connectivitySection(s, onWindow) {
  const hist = s.history && s.history.window === s.window ? s.history : null;
  const label = WINDOW_LABEL[s.window] ?? s.window;
  return h(
    "section",
    { class: "card connectivity", "aria-labelledby": "conn-title", "data-window": s.window, "data-loaded": String(Boolean(hist)) },
    h(
      "div",
      { class: "conn-head" },
      h("h2", { id: "conn-title" }, "Connectivity"),
      hist
        ? h(
            "span",
            { "data-availability": String(hist.availability.ratio ?? "") },
            h("strong", {}, percent(hist.availability.ratio)),
            ` available over the last ${label}`,
          )
        : null,
      h(
        "div",
        { class: "window-switch", role: "group", "aria-label": "Window" },
        WINDOWS.map(([w, text]) =>
          h(
            "button",
            { type: "button", "data-key": `win-${w}`, "data-window": w, "aria-pressed": String(w === s.window), "aria-label": `Last ${text}`, onclick: () => onWindow(w) },
            text,
          ),
        ),
      ),
    ),
    s.error && !hist ? h("p", { class: "form-error", role: "alert" }, `Could not load the history: ${s.error.message}`) : null,
    !hist && !s.error ? h("p", { class: "muted" }, "Loading…") : null,
    hist ? body(hist, label) : null,
  );
}

function body(hist, label) {
  const stretches = hist.stretches ?? [];
  // A device first seen inside the window: the strip starts when it was first seen (and says so),
  // rather than draw a sliver at the right of an empty week.
  const firstMs = stretches.length ? Date.parse(stretches[0].start) : Date.parse(hist.from);
  const fromMs = Math.max(Date.parse(hist.from), firstMs);
  const untilMs = Date.parse(hist.until);
  const span = Math.max(1, untilMs - fromMs);
  const expected = hist.availability.expectedS;
  // Under a second (a status just before the first heartbeat named the link) is not worth a line.
  const times = Object.entries(hist.linkTimeS)
    .filter(([, sec]) => sec >= 1)
    .sort((a, b) => b[1] - a[1]);
  const summary = times.length
    ? times.map(([state, sec]) => `${stateLabel(state)} ${duration(sec)}`).join(", ")
    : "nothing known in this window";
  const W = 1000;
  const firstSeen = fromMs > Date.parse(hist.from);
  return [
    h(
      "svg",
      { class: "conn-strip", viewBox: `0 0 ${W} 28`, preserveAspectRatio: "none", role: "img", "aria-label": `Last ${label}${firstSeen ? " (since first seen)" : ""}: ${summary}` },
      stretches.map((st) => {
        const x = ((Date.parse(st.start) - fromMs) / span) * W;
        const w = ((Date.parse(st.end) - Date.parse(st.start)) / span) * W;
        const kind = linkKind(st.state);
        // An outage of seconds in a week is still a mark one can see.
        const shown = kind === "offline" ? Math.max(w, 2) : w;
        return h(
          "rect",
          { class: `k-${kind}`, "data-state": st.state, x: x.toFixed(2), y: 0, width: shown.toFixed(2), height: 28 },
          h("title", {}, `${stateLabel(st.state)}: ${fmt(st.start)} – ${fmt(st.end)}`),
        );
      }),
    ),
    h("div", { class: "strip-axis", "aria-hidden": "true" }, h("span", {}, firstSeen ? `first seen ${fmt(new Date(fromMs).toISOString())}` : fmt(hist.from)), h("span", {}, "now")),
    h(
      "ul",
      { class: "legend", "aria-label": "Time per link" },
      times.length
        ? times.map(([state, sec]) =>
            h(
              "li",
              { class: "key", "data-link-time": state },
              h("span", { class: `swatch k-${linkKind(state)}`, "aria-hidden": "true" }),
              `${stateLabel(state)}: ${duration(sec)}`,
              expected > 0 ? h("span", { class: "muted" }, ` (${percent(sec / expected)})`) : null,
            ),
          )
        : h("li", { class: "muted" }, "No presence known in this window."),
    ),
    h(
      "div",
      { class: "conn-grid" },
      h(
        "div",
        {},
        h("h3", { id: "outages-title" }, `Outages, last ${label} (${hist.outages.length})`),
        hist.outages.length
          ? h(
              "div",
              { class: "outage-list" },
              h(
                "table",
                { class: "plain outages", "aria-labelledby": "outages-title" },
                h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Began"), h("th", { scope: "col" }, "Ended"), h("th", { scope: "col", class: "num" }, "Lasted"), h("th", { scope: "col" }, "Root cause"))),
                h(
                  "tbody",
                  {},
                  [...hist.outages].reverse().map((o) =>
                    h(
                      "tr",
                      { class: "outage", "data-open": String(o.end === null) },
                      h("td", {}, when(o.start)),
                      h("td", {}, o.end ? when(o.end) : h("strong", {}, "still offline")),
                      h("td", { class: "num" }, duration(o.durationS)),
                      h("td", {}, o.rootCause ? h("code", {}, o.rootCause) : h("span", { class: "muted" }, "unknown")),
                    ),
                  ),
                ),
              ),
            )
          : h("p", { class: "muted" }, `No outage in the last ${label}.`),
      ),
      h(
        "div",
        {},
        h("h3", { id: "data-title" }, `Data used, last ${label}`),
        Object.keys(hist.dataBytes).length
          ? h(
              "table",
              { class: "plain data-used", "aria-labelledby": "data-title" },
              h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Link"), h("th", { scope: "col", class: "num" }, "Received"), h("th", { scope: "col", class: "num" }, "Sent"), h("th", { scope: "col", class: "num" }, "Total"))),
              h(
                "tbody",
                {},
                Object.entries(hist.dataBytes)
                  .sort((a, b) => b[1].rxBytes + b[1].txBytes - (a[1].rxBytes + a[1].txBytes))
                  .map(([link, d]) =>
                    h(
                      "tr",
                      { "data-link": link, "data-bytes": String(d.rxBytes + d.txBytes) },
                      h("th", { scope: "row" }, h("span", { class: `swatch k-${linkKind(link)}`, "aria-hidden": "true" }), " ", stateLabel(link)),
                      h("td", { class: "num" }, bytes(d.rxBytes)),
                      h("td", { class: "num" }, bytes(d.txBytes)),
                      h("td", { class: "num" }, bytes(d.rxBytes + d.txBytes)),
                    ),
                  ),
              ),
            )
          : h("p", { class: "muted" }, "No byte counters reported in this window."),
      ),
    ),
  ];
}
