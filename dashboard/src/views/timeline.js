import { h, time } from "../dom.js";

const LABEL = {
  "link.changed": (e) => `traffic moved ${e.from ?? "nowhere"} → ${e.to ?? "nowhere"} (${e.reason})`,
  "layer.changed": (e) => `${e.link} ${e.layer}: ${e.from} → ${e.to}${e.cause ? ` (${e.cause})` : ""}`,
  "remediation.started": (e) => `self-repair started: ${e.command.name} for ${e.cause}${e.link ? ` on ${e.link}` : ""} (attempt ${e.attempt})`,
  "remediation.succeeded": (e) => `self-repair worked: ${e.command.name} for ${e.cause}${e.link ? ` on ${e.link}` : ""}`,
  "remediation.failed": (e) => `self-repair failed: ${e.command.name} for ${e.cause}: ${e.error}`,
  rollback: (e) => `rolled back ${e.command}: ${e.reason}`,
  "agent.started": (e) => `agent ${e.agentVersion} started (links ${e.links.join(", ")})`,
};

const KINDS = {
  link: ["link.changed"],
  repair: ["remediation.started", "remediation.succeeded", "remediation.failed", "rollback"],
};

let show = "main";

/** Link changes and remediations first; every event on request. */
export function timelineView(events) {
  const wanted = (e) => show === "all" || KINDS.link.includes(e.message.type) || KINDS.repair.includes(e.message.type) || e.message.type === "agent.started";
  const shown = events.filter(wanted);
  const toggle = h(
    "label",
    { class: "inline small" },
    h("input", {
      type: "checkbox",
      "data-key": "tl-all",
      checked: show === "all",
      onchange: (ev) => {
        show = ev.target.checked ? "all" : "main";
        const section = ev.target.closest("section");
        section?.dispatchEvent(new CustomEvent("rerender", { bubbles: true }));
      },
    }),
    " every event (layer changes too)",
  );
  return [
    toggle,
    shown.length === 0
      ? h("p", { class: "muted" }, "Nothing yet.")
      : h(
          "ol",
          { class: "timeline" },
          shown.map(({ receivedAt, message: e }) =>
            h(
              "li",
              { class: `tl ev-${e.type.replace(".", "-")}`, "data-event": e.type },
              time(e.ts ?? receivedAt),
              h("span", { class: "tl-type" }, e.type),
              h("span", { class: "tl-text" }, (LABEL[e.type] ?? ((x) => JSON.stringify(x)))(e)),
            ),
          ),
        ),
  ];
}
