import { h } from "../dom.js";
import { signalBars } from "../fleet-model.js";

export function signalBarsView(signal) {
  const s = signalBars(signal);
  const text = s.dbm === null ? "no signal reading" : `${s.measure} ${s.dbm} dBm, ${s.bars} of 4 bars`;
  return h(
    "span",
    { class: "signal", "data-bars": s.bars },
    h(
      "svg",
      { class: "bars", viewBox: "0 0 20 16", width: "20", height: "16", "aria-hidden": "true", focusable: "false" },
      [0, 1, 2, 3].map((i) => h("rect", { x: i * 5, y: 12 - i * 4, width: 4, height: 4 + i * 4, rx: 1, class: i < s.bars ? "on" : "off" })),
    ),
    h("span", { class: "dbm" }, s.dbm === null ? "–" : `${s.dbm} dBm`),
    h("span", { class: "sr-only" }, text),
  );
}
