import { h } from "../dom.js";
import { layerStrip, rootCauseOfLink } from "../fleet-model.js";

const STATE_WORD = { ok: "ok", degraded: "degraded", failing: "failing", unknown: "unknown" };

/** Seven cells, one per layer, the root cause ringed; the words are there for screen readers. */
export function layerStripView(device, ifname) {
  const cells = layerStrip(device, ifname);
  const root = rootCauseOfLink(device, ifname);
  const label = root
    ? `${ifname}: root cause at layer ${root.layer}, ${root.name}${root.cause ? ` (${root.cause})` : ""}`
    : `${ifname}: no failing layer`;
  return h(
    "span",
    { class: "strip", role: "img", "aria-label": label, "data-link": ifname, "data-root": root?.name ?? "none" },
    cells.map((c) =>
      h(
        "span",
        {
          class: `cell s-${c.state}${c.isRoot ? " root" : ""}`,
          title: `${c.layer} ${c.name}: ${STATE_WORD[c.state] ?? c.state}${c.isRoot ? " (root cause)" : ""} — ${c.summary}`,
          "data-layer": c.name,
          "data-state": c.state,
        },
        String(c.layer),
      ),
    ),
  );
}
