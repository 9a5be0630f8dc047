import { getCommand, getDevice, getDeviceHistory, issueCommand, listCommands, listEvents, listHeartbeats } from "../api.js";
import { h, render, time } from "../dom.js";
import { LINK_LAYER_COUNT, ago, duration, layerNumber, linkNames, onFallback, rootCauseOfLink } from "../fleet-model.js";
import { FINAL, commandHistory, commandLabel, lifecycleView } from "./command-view.js";
import { connectivitySection } from "./connectivity.js";
import { layerStripView } from "./layer-strip.js";
import { signalBarsView } from "./signal-bars.js";
import { signalPlot } from "./signal-plot.js";
import { timelineView } from "./timeline.js";

/** Which command each fix button started, per device and rung, so its lifecycle stays in place. */
const fixRuns = new Map();

/** The history window chosen last; it outlives a visit to another device. */
let historyWindow = "24h";
const HISTORY_EVERY_MS = 30_000;

export function deviceView(app, deviceId) {
  const root = h("div", { class: "device" });
  const plotBox = { width: 640 };
  let lastError = null;
  const conn = { history: null, window: historyWindow, error: null };

  async function loadHistory() {
    const w = conn.window;
    try {
      const hist = await getDeviceHistory(deviceId, w);
      if (w !== conn.window) return;
      conn.history = hist;
      conn.error = null;
    } catch (err) {
      if (w === conn.window) conn.error = err;
    }
    app.changed();
  }

  function setWindow(w) {
    if (w === conn.window) return;
    conn.window = historyWindow = w;
    conn.error = null;
    app.changed();
    loadHistory();
  }

  // The history is not on the stream: fetched again now and then while this device is on screen.
  const poll = setInterval(() => {
    if (!app.routeIs(deviceId) || !root.isConnected) clearInterval(poll);
    else loadHistory();
  }, HISTORY_EVERY_MS);

  async function load() {
    loadHistory();
    try {
      const [device, events, heartbeats, commands] = await Promise.all([
        getDevice(deviceId),
        listEvents(deviceId).catch(() => []),
        listHeartbeats(deviceId, new Date(Date.now() - 24 * 3600_000).toISOString()).catch(() => []),
        listCommands(deviceId).catch(() => []),
      ]);
      app.upsertDevice(device);
      app.setDetail(deviceId, { events, heartbeats, commands });
    } catch (err) {
      lastError = err;
      app.detailOf(deviceId).error = err;
      app.changed();
    }
  }

  async function run(name, args, key) {
    try {
      const { id } = await issueCommand(deviceId, name, args);
      const now = new Date().toISOString();
      if (key) fixRuns.set(`${deviceId}/${key}`, id);
      app.upsertCommand({ id, deviceId, name, args, state: "pending", issuedAt: now, updatedAt: now, issuedBy: "you", detail: null, responses: [] });
      follow(id);
    } catch (err) {
      app.detailOf(deviceId).runError = `${name}: ${err.message}`;
      app.changed();
    }
  }

  // The stream brings each step; polling too covers a stream that is down or reconnecting.
  async function follow(id) {
    const until = Date.now() + 5 * 60_000;
    while (Date.now() < until && app.routeIs(deviceId)) {
      await new Promise((r) => setTimeout(r, 1500));
      try {
        const cmd = await getCommand(id);
        app.upsertCommand(cmd);
        if (FINAL.has(cmd.state)) {
          // A finished fix changes the layers: fetch the device's report now.
          getDevice(deviceId).then(app.upsertDevice, () => {});
          return;
        }
      } catch {
        /* the next poll tries again */
      }
    }
  }

  function update() {
    const device = app.state.devices.get(deviceId);
    const detail = app.detailOf(deviceId);
    const measured = root.querySelector(".plot-box")?.clientWidth;
    if (measured) plotBox.width = measured;
    if (!device) {
      render(
        root,
        backLink(),
        detail.error || lastError
          ? h("p", { class: "form-error", role: "alert" }, detail.error?.status === 404 ? `No device "${deviceId}".` : `Could not load ${deviceId}: ${(detail.error ?? lastError).message}`)
          : h("p", { class: "muted" }, "Loading…"),
      );
      return;
    }
    const commands = [...detail.commands.values()].sort((a, b) => Date.parse(b.issuedAt) - Date.parse(a.issuedAt));
    render(
      root,
      backLink(),
      header(device, run),
      detail.runError ? h("p", { class: "form-error", role: "alert" }, detail.runError) : null,
      h(
        "section",
        { class: "ladders", "aria-labelledby": "ladders-title" },
        h("h2", { id: "ladders-title" }, "Layers"),
        device.health
          ? h(
              "div",
              { class: "ladder-grid" },
              linkNames(device).map((l) => linkCard(device, l, detail, run)),
              hostCard(device, detail, run),
            )
          : h("p", { class: "muted" }, "No health report from this device yet."),
      ),
      connectivitySection(conn, setWindow),
      h(
        "section",
        { class: "card", "aria-labelledby": "signal-title" },
        h("h2", { id: "signal-title" }, "Signal history"),
        h("div", { class: "plot-box" }, detail.loaded ? signalPlot(detail.signal, plotBox.width) : h("p", { class: "muted" }, "Loading…")),
      ),
      h(
        "div",
        { class: "two-col" },
        h(
          "section",
          { class: "card", "aria-labelledby": "timeline-title" },
          h("h2", { id: "timeline-title" }, "Timeline"),
          detail.loaded ? timelineView(detail.events) : h("p", { class: "muted" }, "Loading…"),
        ),
        h(
          "section",
          { class: "card", "aria-labelledby": "commands-title" },
          h("h2", { id: "commands-title" }, "Commands"),
          commandHistory(commands),
        ),
      ),
    );
  }

  load();
  return { el: root, update, title: deviceId, reload: load };
}

function backLink() {
  return h("p", { class: "back" }, h("a", { href: "#/" }, "← Fleet"));
}

function header(d, run) {
  const fallback = onFallback(d);
  const sel = d.health?.selection;
  return h(
    "header",
    { class: "device-head card" },
    h(
      "div",
      { class: "title-row" },
      h("h1", { class: "page-title" }, d.deviceId),
      h("span", { class: `badge ${d.online ? "online" : "offline"}`, "data-state": d.online ? "online" : "offline" }, d.online ? "online" : "offline"),
      fallback ? h("span", { class: "badge warn", "data-fallback": "true" }, "on fallback") : null,
      d.storage?.ok === false ? h("span", { class: "badge warn", "data-storage": "fault" }, "disk not writable") : null,
      h(
        "button",
        { type: "button", class: "secondary", "data-key": "run-diagnose", onclick: () => run("diagnose", {}, null), disabled: !d.online },
        "Diagnose now",
      ),
    ),
    h(
      "dl",
      { class: "facts" },
      fact("Active link", h("span", { "data-active-link": d.activeLink ?? "" }, d.activeLink ?? "none")),
      sel ? fact("Selection", sel.reason) : null,
      fact("4G signal", signalBarsView(d.signal)),
      fact("Last seen", d.lastSeenAt ? h("span", { title: d.lastSeenAt }, ago(d.lastSeenAt)) : "never"),
      !d.online && d.statusReason ? fact("Offline because", d.statusReason) : null,
      fact("Uptime", duration(d.uptimeS)),
      fact("Agent", d.agentVersion ?? "–"),
      d.delivery ? fact("Messages lost", h("span", { title: `${d.delivery.received} received, ${d.delivery.duplicates} duplicates dropped` }, String(d.delivery.gaps))) : null,
      d.storage?.ok === false ? fact("Storage", storageFact(d.storage)) : null,
      d.system?.cpuTempC != null ? fact("CPU", `${d.system.cpuTempC.toFixed(1)} °C${d.system.underVoltageNow ? ", under-voltage now" : ""}`) : null,
    ),
  );
}

/** The agent keeps reporting from memory; what a restart would lose is what the operator needs to know. */
function storageFact(s) {
  const since = s.since ? h("span", { title: s.since }, ` (began ${ago(s.since)})`) : "";
  return h("span", { title: s.path ?? "" }, `${s.error ?? "not writable"}`, since, ": outbox and journal held in memory, lost if the agent restarts");
}

function fact(label, value) {
  return h("div", {}, h("dt", {}, label), h("dd", {}, value));
}

function linkCard(d, ifname, detail, run) {
  const link = d.health?.links?.[ifname];
  const rc = rootCauseOfLink(d, ifname);
  const reach = link?.reachable;
  return h(
    "article",
    { class: "card link-card", "data-link": ifname, "aria-labelledby": `link-${ifname}` },
    h(
      "header",
      { class: "link-head" },
      h("h3", { id: `link-${ifname}` }, h("code", {}, ifname), link ? ` ${link.role}` : ""),
      d.activeLink === ifname ? h("span", { class: "badge active" }, "carries traffic") : null,
      reach === true ? h("span", { class: "badge online" }, "upstream reachable") : reach === false ? h("span", { class: "badge offline" }, "no upstream") : null,
    ),
    layerStripView(d, ifname),
    h(
      "p",
      { class: "root-line" },
      rc ? [h("strong", {}, `Root cause: layer ${rc.layer} ${rc.name}`), rc.cause ? ` (${rc.cause})` : "", rc.summary ? ` — ${rc.summary}` : ""] : "No failing layer on this link.",
    ),
    link ? ladder(d, ifname, link.layers.filter((l) => l.layer <= LINK_LAYER_COUNT), detail, run) : h("p", { class: "muted" }, "Not in the last health report."),
  );
}

function hostCard(d, detail, run) {
  const host = d.health?.host;
  if (!host) return null;
  return h(
    "article",
    { class: "card link-card", "data-link": "host", "aria-labelledby": "link-host" },
    h("header", { class: "link-head" }, h("h3", { id: "link-host" }, "Host"), h("span", { class: "muted small" }, "layers 5–7, shared by every link")),
    h(
      "p",
      { class: "root-line" },
      host.firstFailingLayer ? h("strong", {}, `Root cause: layer ${layerNumber(host.firstFailingLayer)} ${host.firstFailingLayer}`) : "No failing layer on the host.",
    ),
    ladder(d, "host", host.layers.filter((l) => l.layer > LINK_LAYER_COUNT), detail, run),
  );
}

function ladder(d, scope, layers, detail, run) {
  return h(
    "ol",
    { class: "ladder" },
    [...layers]
      .sort((a, b) => a.layer - b.layer)
      .map((l) => {
        const key = `${scope}-${l.name}`;
        const runId = fixRuns.get(`${d.deviceId}/${key}`);
        const cmd = runId ? detail.commands.get(runId) : null;
        const busy = cmd && !FINAL.has(cmd.state);
        return h(
          "li",
          { class: `rung s-${l.state}`, "data-layer": l.name, "data-state": l.state, value: l.layer },
          h(
            "div",
            { class: "rung-head" },
            h("span", { class: "rung-n", "aria-hidden": "true" }, String(l.layer)),
            h("span", { class: "rung-name" }, l.name),
            h("span", { class: `badge st s-${l.state}` }, l.state),
            l.cause ? h("code", { class: "cause" }, l.cause) : null,
          ),
          h("p", { class: "rung-summary" }, l.summary),
          l.evidence?.length
            ? h(
                "details",
                { "data-key": `ev-${key}`, open: l.state === "failing" },
                h("summary", { "data-key": `evs-${key}` }, `Evidence (${l.evidence.length})`),
                h("ul", { class: "evidence" }, l.evidence.map((e) => h("li", {}, h("code", { class: "kind" }, e.kind), " ", e.fact))),
              )
            : null,
          // After a fix worked the layer has no fix any more: its lifecycle stays, to show the outcome.
          l.fix || cmd
            ? h(
                "div",
                { class: "fix" },
                l.fix ? h(
                  "button",
                  {
                    type: "button",
                    "data-key": `fix-${key}`,
                    "data-fix": l.fix.name,
                    disabled: busy || !d.online,
                    title: d.online ? "" : "the device is offline: the command would wait until it is back",
                    onclick: () => run(l.fix.name, l.fix.args, key),
                  },
                  busy ? "Running… " : "Run fix: ",
                  h("code", {}, commandLabel(l.fix.name, l.fix.args)),
                ) : null,
                cmd ? lifecycleView(cmd) : null,
              )
            : null,
        );
      }),
  );
}
