import { h } from "../dom.js";

/**
 * Signal history as inline SVG: RSSI and RSRP on a dBm scale, SINR below on its own dB scale.
 * Lines differ by dash as well as colour, so the legend reads without colour.
 * @param {{t: number, rssiDbm: number|null, rsrpDbm: number|null, sinrDb: number|null}[]} points
 */
export function signalPlot(points, width = 640) {
  const series = [
    { key: "rssiDbm", label: "RSSI", unit: "dBm", cls: "rssi", panel: 0 },
    { key: "rsrpDbm", label: "RSRP", unit: "dBm", cls: "rsrp", panel: 0 },
    { key: "sinrDb", label: "SINR", unit: "dB", cls: "sinr", panel: 1 },
  ];
  const present = series.filter((s) => points.some((p) => typeof p[s.key] === "number"));
  if (points.length === 0 || present.length === 0) {
    return h("p", { class: "muted" }, "No signal readings yet (they come with the device's heartbeats).");
  }
  const w = Math.max(280, Math.round(width));
  const left = 44;
  const right = 12;
  const panels = [
    { top: 0, height: 130, series: present.filter((s) => s.panel === 0), unit: "dBm" },
    { top: 0, height: 70, series: present.filter((s) => s.panel === 1), unit: "dB" },
  ].filter((p) => p.series.length > 0);
  let top = 8;
  for (const panel of panels) {
    panel.top = top;
    top += panel.height + 36;
  }
  const height = top + 2;
  const t0 = points[0].t;
  const t1 = Math.max(points[points.length - 1].t, t0 + 1000);
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (w - left - right);

  const children = [];
  for (const panel of panels) {
    const values = panel.series.flatMap((s) => points.map((p) => p[s.key]).filter((v) => typeof v === "number"));
    let lo = Math.floor((Math.min(...values) - 3) / 10) * 10;
    let hi = Math.ceil((Math.max(...values) + 3) / 10) * 10;
    if (hi - lo < 10) hi = lo + 10;
    const y = (v) => panel.top + panel.height - ((v - lo) / (hi - lo)) * panel.height;
    const step = (hi - lo) / 10 > 4 ? 20 : 10;
    for (let v = lo; v <= hi; v += step) {
      children.push(h("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), class: "grid" }));
      children.push(h("text", { x: left - 6, y: y(v) + 4, class: "tick", "text-anchor": "end" }, String(v)));
    }
    children.push(h("text", { x: 2, y: panel.top + 10, class: "tick unit" }, panel.unit));
    for (const s of panel.series) {
      const pts = points.filter((p) => typeof p[s.key] === "number");
      const d = pts.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join("");
      children.push(h("path", { d, class: `line ${s.cls}` }));
      if (pts.length === 1) children.push(h("circle", { cx: x(pts[0].t), cy: y(pts[0][s.key]), r: 3, class: `dot ${s.cls}` }));
    }
  }
  const fmt = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  children.push(h("text", { x: left, y: height - 6, class: "tick" }, fmt(t0)));
  children.push(h("text", { x: w - right, y: height - 6, class: "tick", "text-anchor": "end" }, fmt(t1)));

  const last = points[points.length - 1];
  const latest = present
    .map((s) => {
      const p = [...points].reverse().find((q) => typeof q[s.key] === "number");
      return `${s.label} ${p[s.key]} ${s.unit}`;
    })
    .join(", ");
  const desc = `${points.length} readings from ${new Date(t0).toLocaleString()} to ${new Date(last.t).toLocaleString()}; latest ${latest}.`;
  return h(
    "figure",
    { class: "plot" },
    h(
      "svg",
      { viewBox: `0 0 ${w} ${height}`, width: w, height, role: "img", "aria-labelledby": "plot-title plot-desc" },
      h("title", { id: "plot-title" }, "Signal history"),
      h("desc", { id: "plot-desc" }, desc),
      children,
    ),
    h(
      "figcaption",
      { class: "legend" },
      present.map((s) => h("span", { class: `key ${s.cls}` }, h("svg", { width: 24, height: 8, "aria-hidden": "true" }, h("line", { x1: 0, x2: 24, y1: 4, y2: 4, class: `line ${s.cls}` })), ` ${s.label} (${s.unit})`)),
      h("span", { class: "muted" }, ` latest: ${latest}`),
    ),
  );
}
