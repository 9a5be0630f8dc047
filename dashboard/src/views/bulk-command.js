// A command to the devices shown (the fleet's filter): confirmed with the number of devices, sent
// at most a few a second, with a result per device that follows the command's lifecycle.
import { getCommand, issueCommand } from "../api.js";
import { FINAL } from "./command-view.js";
import { h } from "../dom.js";

/** Only commands without arguments that cannot cut a device off: the same for every device. */
const BULK_COMMANDS = [["diagnose", "diagnose: assess all seven layers now"]];
const SPACING_MS = 250;

/**
 * @param {object} app the page's state (detailOf for the commands' lifecycles, changed)
 * @param {() => object[]} shown the devices the fleet's filter shows now
 */
export function createBulkCommand(app, shown) {
  let name = BULK_COMMANDS[0][0];
  /** null, or the device ids to confirm. */
  let confirming = null;
  /** The last run: { name, results: [{ deviceId, id?, error?, state }] } */
  let run = null;

  async function start(ids) {
    confirming = null;
    run = { name, results: ids.map((deviceId) => ({ deviceId, state: "queued" })) };
    app.changed();
    for (const r of run.results) {
      try {
        const c = await issueCommand(r.deviceId, run.name, {});
        r.id = c.id;
        r.state = c.state ?? "pending";
      } catch (err) {
        r.state = "not sent";
        r.error = err.message;
      }
      app.changed();
      await new Promise((res) => setTimeout(res, SPACING_MS));
    }
    // The stream brings each step; polling, one command after another, covers a stream that is down.
    const until = Date.now() + 5 * 60_000;
    const stateOf = (r) => app.detailOf(r.deviceId).commands.get(r.id)?.state ?? r.state;
    for (;;) {
      const open = run.results.filter((r) => r.id && !FINAL.has(stateOf(r)));
      if (open.length === 0 || Date.now() > until) return;
      await new Promise((res) => setTimeout(res, 1500));
      for (const r of open) {
        try {
          app.upsertCommand(await getCommand(r.id));
        } catch {
          /* the next round tries again */
        }
      }
    }
  }

  function view() {
    const devices = shown();
    const stateOf = (r) => (r.id ? (app.detailOf(r.deviceId).commands.get(r.id)?.state ?? r.state) : r.state);
    return h(
      "details",
      { class: "card bulk", "data-key": "bulk", open: Boolean(confirming || run) },
      h("summary", { "data-key": "bulk-summary" }, `Run a command on the ${devices.length} devices shown`),
      h(
        "div",
        { class: "bulk-body" },
        h(
          "div",
          { class: "field" },
          h("label", { for: "bulk-name" }, "Command"),
          h(
            "select",
            { id: "bulk-name", "data-key": "bulk-name", onchange: (e) => (name = e.target.value) },
            BULK_COMMANDS.map(([v, text]) => h("option", { value: v, selected: v === name }, text)),
          ),
        ),
        confirming
          ? h(
              "div",
              { class: "confirm", role: "alertdialog", "aria-labelledby": "bulk-q" },
              h("p", { id: "bulk-q" }, h("strong", {}, `Run ${name} on ${confirming.length} device${confirming.length === 1 ? "" : "s"}?`), ` ${confirming.join(", ")}`),
              h("button", { type: "button", "data-key": "bulk-confirm", onclick: () => start(confirming) }, `Run on ${confirming.length} device${confirming.length === 1 ? "" : "s"}`),
              " ",
              h("button", { type: "button", class: "quiet", "data-key": "bulk-cancel", onclick: () => ((confirming = null), app.changed()) }, "Cancel"),
            )
          : h(
              "button",
              {
                type: "button",
                class: "secondary",
                "data-key": "bulk-run",
                disabled: devices.length === 0 || Boolean(run?.results.some((r) => r.state === "queued")),
                onclick: () => {
                  confirming = devices.map((d) => d.deviceId);
                  app.changed();
                  // The question replaces the button: the keyboard goes to its answer.
                  requestAnimationFrame(() => requestAnimationFrame(() => document.querySelector('[data-key="bulk-confirm"]')?.focus()));
                },
              },
              "Run…",
            ),
        run
          ? h(
              "ul",
              { class: "bulk-results", "aria-label": `Results of ${run.name}` },
              run.results.map((r) => {
                const st = stateOf(r);
                return h(
                  "li",
                  { "data-device": r.deviceId, "data-state": st },
                  h("a", { href: `#/devices/${encodeURIComponent(r.deviceId)}` }, r.deviceId),
                  " ",
                  h("span", { class: `badge cmd-${st.replace(/ /g, "-")}` }, st),
                  r.error ? h("span", { class: "form-error small" }, ` ${r.error}`) : null,
                );
              }),
            )
          : null,
      ),
    );
  }

  return { view };
}
