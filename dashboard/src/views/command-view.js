import { h, time } from "../dom.js";

export const FINAL = new Set(["succeeded", "failed", "rejected", "timed-out", "expired"]);

function argsText(args) {
  const entries = Object.entries(args ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ") : "";
}

export function commandLabel(name, args) {
  const a = argsText(args);
  return a ? `${name} ${a}` : name;
}

/** A command's steps as they happened: pending, accepted, each progress step, the outcome. */
export function lifecycleSteps(cmd) {
  const steps = [{ state: "pending", text: "sent to the device", at: cmd.issuedAt }];
  for (const r of cmd.responses ?? []) {
    if (r.state === "progress") steps.push({ state: "progress", text: r.step ?? r.message ?? "working", at: r.ts });
    else steps.push({ state: r.state, text: r.message ?? (r.reason ? `reason: ${r.reason}` : r.state), at: r.ts });
  }
  const last = steps[steps.length - 1];
  // The server's own verdicts (expired, timed-out) come with no device response.
  if (FINAL.has(cmd.state) && last.state !== cmd.state) steps.push({ state: cmd.state, text: cmd.detail ?? cmd.state, at: cmd.updatedAt });
  return steps;
}

export function stateBadge(state) {
  return h("span", { class: `badge cmd-${state}`, "data-command-state": state }, state);
}

/** The live lifecycle of one command, e.g. under the fix button that started it. */
export function lifecycleView(cmd) {
  const steps = lifecycleSteps(cmd);
  return h(
    "div",
    { class: "lifecycle", "data-command": cmd.id, "data-state": cmd.state, role: "status", "aria-live": "polite" },
    h("div", { class: "lifecycle-head" }, h("code", {}, commandLabel(cmd.name, cmd.args)), " ", stateBadge(cmd.state)),
    h(
      "ol",
      { class: "steps" },
      steps.map((s) => h("li", { class: `step st-${s.state}` }, h("span", { class: "step-state" }, s.state), " ", h("span", {}, s.text))),
    ),
    outputOf(cmd) ? h("pre", { class: "output" }, outputOf(cmd)) : null,
  );
}

export function outputOf(cmd) {
  return (cmd.responses ?? [])
    .map((r) => r.output)
    .filter(Boolean)
    .join("\n");
}

export function commandHistory(commands) {
  if (commands.length === 0) return h("p", { class: "muted" }, "No commands yet.");
  return h(
    "ol",
    { class: "command-list" },
    commands.map((c) => {
      const out = outputOf(c);
      return h(
        "li",
        { class: "command", "data-command": c.id, "data-state": c.state },
        h(
          "div",
          { class: "command-head" },
          h("code", {}, commandLabel(c.name, c.args)),
          stateBadge(c.state),
          h("span", { class: "muted small" }, time(c.issuedAt), ` by ${c.issuedBy}`),
        ),
        c.detail ? h("p", { class: "small" }, c.detail) : null,
        h(
          "details",
          { "data-key": `cmd-d-${c.id}` },
          h("summary", { "data-key": `cmd-${c.id}` }, `Steps${out ? " and output" : ""} (${(c.responses ?? []).length} responses)`),
          h(
            "ol",
            { class: "steps" },
            lifecycleSteps(c).map((s) => h("li", { class: `step st-${s.state}` }, h("span", { class: "step-state" }, s.state), " ", s.text)),
          ),
          out ? h("pre", { class: "output" }, out) : null,
        ),
      );
    }),
  );
}
