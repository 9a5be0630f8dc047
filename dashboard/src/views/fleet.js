import { h, render } from "../dom.js";
import {
  DEFAULT_FILTER,
  LAYER_NAMES,
  ago,
  deviceRootCause,
  failingLayers,
  firingDeviceIds,
  fleetCounts,
  layerNumber,
  linkNames,
  matchesFilter,
  onFallback,
  percent,
  rootCauseWhere,
  signalBars,
  sortDevices,
} from "../fleet-model.js";
import { toCsv } from "../csv.js";
import { alertsPanel } from "./alerts-panel.js";
import { createBulkCommand } from "./bulk-command.js";
import { layerStripView } from "./layer-strip.js";
import { signalBarsView } from "./signal-bars.js";

const SORT_LABELS = { status: "Trouble first", id: "Device id", layer: "Root-cause layer", signal: "Signal, weakest first", seen: "Last seen" };

// The filter outlives a visit to a device view.
let filter = { ...DEFAULT_FILTER };
let sortKey = "status";

export function fleetView(app) {
  const counts = h("section", { class: "counts", "aria-label": "Fleet counts" });
  const alerts = h("div", { class: "contents" });
  let shownDevices = [];
  const exportButton = h(
    "button",
    { type: "button", class: "secondary export", "data-key": "export-csv", onclick: () => exportCsv(shownDevices, app.state) },
    "Export CSV",
  );
  const results = h("div", { class: "results" });
  const bulkBox = h("div", { class: "contents" });
  const bulk = createBulkCommand(app, () => shownDevices);
  const summary = h("p", { class: "result-count", role: "status", "aria-live": "polite" });

  const select = (id, label, value, options, onChange) =>
    h(
      "div",
      { class: "field" },
      h("label", { for: id }, label),
      h(
        "select",
        { id, "data-key": id, onchange: (e) => onChange(e.target.value) },
        options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
      ),
    );

  const linkSelect = h("div", { class: "contents" });
  let knownLinks = "";
  // Re-made only when the set of links changes: re-making an open <select> would close it.
  const renderLinkSelect = () => {
    const links = new Set();
    for (const d of app.state.devices.values()) for (const l of linkNames(d)) links.add(l);
    if (filter.link !== "all" && filter.link !== "none") links.add(filter.link);
    const key = [...links].sort().join(",");
    if (key === knownLinks && linkSelect.firstChild) return;
    knownLinks = key;
    render(
      linkSelect,
      select("f-link", "Active link", filter.link, [["all", "Any"], ...[...links].sort().map((l) => [l, l]), ["none", "None"]], (v) => {
        filter.link = v;
        update();
      }),
    );
  };

  const controls = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter and sort devices", onsubmit: (e) => e.preventDefault() },
    h(
      "div",
      { class: "field grow" },
      h("label", { for: "f-text" }, "Device"),
      h("input", {
        id: "f-text",
        type: "search",
        placeholder: "id contains…",
        value: filter.text,
        autocomplete: "off",
        oninput: (e) => {
          filter.text = e.target.value;
          update();
        },
      }),
    ),
    select("f-status", "State", filter.status, [["all", "All"], ["attention", "Needs attention"], ["online", "Online"], ["offline", "Offline"], ["fallback", "On fallback"]], (v) => {
      filter.status = v;
      update();
    }),
    linkSelect,
    select(
      "f-layer",
      "Failing layer",
      filter.layer,
      [["all", "Any"], ["none", "None failing"], ...LAYER_NAMES.map((n, i) => [n, `${i + 1} ${n}`])],
      (v) => {
        filter.layer = v;
        update();
      },
    ),
    select("f-sort", "Sort", sortKey, Object.entries(SORT_LABELS), (v) => {
      sortKey = v;
      update();
    }),
  );

  const setFilter = (patch) => {
    filter = { ...DEFAULT_FILTER, ...patch };
    for (const [k, id] of [["status", "f-status"], ["layer", "f-layer"], ["link", "f-link"], ["text", "f-text"]]) {
      const el = controls.querySelector(`#${id}`);
      if (el) el.value = filter[k];
    }
    update();
  };

  function update() {
    const devices = [...app.state.devices.values()];
    const firing = firingDeviceIds(app.state.alerts);
    renderCounts(counts, fleetCounts(devices, firing), app.state.fleetHistory, setFilter);
    render(alerts, alertsPanel(app.state.alerts, app.state.alertsError));
    renderLinkSelect();
    if (app.state.error && !app.state.loaded) {
      render(results, h("p", { class: "form-error", role: "alert" }, `Could not load the fleet: ${app.state.error.message}`));
      summary.textContent = "";
      return;
    }
    if (!app.state.loaded) {
      render(results, h("p", { class: "muted" }, "Loading the fleet…"));
      return;
    }
    const shown = sortDevices(devices.filter((d) => matchesFilter(d, filter, firing)), sortKey);
    shownDevices = shown;
    summary.textContent = `${shown.length} of ${devices.length} devices`;
    exportButton.disabled = shown.length === 0;
    render(bulkBox, bulk.view());
    exportButton.setAttribute("aria-label", `Export the ${shown.length} devices shown as CSV`);
    render(results, shown.length ? deviceTable(shown) : h("p", { class: "muted empty" }, devices.length ? "No device matches the filter." : "No devices yet."));
  }

  const el = h(
    "div",
    { class: "fleet" },
    h("h1", { class: "page-title" }, "Fleet"),
    counts,
    alerts,
    controls,
    h("div", { class: "table-bar" }, summary, exportButton),
    bulkBox,
    results,
  );
  return { el, update, title: "Fleet" };
}

function renderCounts(container, c, history, setFilter) {
  const tile = (key, label, value, patch, tone) =>
    h(
      "button",
      { type: "button", class: `count ${tone ?? ""}`, "data-key": `count-${key}`, "data-count": key, onclick: () => setFilter(patch), title: `Show: ${label}` },
      h("span", { class: "n" }, String(value)),
      h("span", { class: "label" }, label),
    );
  const failingTotal = Object.values(c.byLayer).some((n) => n > 0);
  const ratio = history?.availability?.ratio;
  render(
    container,
    h(
      "div",
      { class: "count-row headline" },
      tile("attention", "need attention", c.attention, { status: "attention" }, c.attention ? "bad" : "good"),
      h(
        "div",
        {
          class: `count stat ${typeof ratio === "number" ? (ratio >= 0.99 ? "good" : ratio >= 0.95 ? "warn" : "bad") : ""}`,
          "data-count": "availability",
          title: history ? `online ${Math.round(history.availability.onlineS)} s of ${Math.round(history.availability.expectedS)} s expected, ${history.outages} outages` : "",
        },
        h("span", { class: "n" }, percent(ratio)),
        h("span", { class: "label" }, "fleet availability, 24 h"),
        history ? h("span", { class: "label small", "data-outages": String(history.outages) }, `${history.outages} outage${history.outages === 1 ? "" : "s"}`) : null,
      ),
    ),
    h(
      "div",
      { class: "count-row" },
      tile("online", `online of ${c.total}`, c.online, { status: "online" }, "good"),
      tile("offline", "offline", c.offline, { status: "offline" }, c.offline ? "bad" : ""),
      tile("fallback", "on fallback", c.fallback, { status: "fallback" }, c.fallback ? "warn" : ""),
      tile("healthy", "all layers ok", c.healthy, { layer: "none" }, ""),
    ),
    h(
      "div",
      { class: "by-layer", role: "group", "aria-label": "Devices failing, by layer" },
      h("span", { class: "by-layer-title" }, "Failing by layer"),
      LAYER_NAMES.map((name, i) =>
        h(
          "button",
          {
            type: "button",
            class: `layer-count${c.byLayer[name] ? " has" : ""}`,
            "data-key": `layer-${name}`,
            "data-layer-count": name,
            onclick: () => setFilter({ layer: name }),
            "aria-label": `${c.byLayer[name]} failing at layer ${i + 1}, ${name}`,
          },
          h("span", { class: "ln" }, `${i + 1} ${name}`),
          h("span", { class: "n" }, String(c.byLayer[name])),
        ),
      ),
      failingTotal ? null : h("span", { class: "muted" }, "none failing"),
    ),
  );
}

function deviceTable(devices) {
  return h(
    "table",
    { class: "devices" },
    h("caption", { class: "sr-only" }, "Devices"),
    h(
      "thead",
      {},
      h("tr", {}, ["Device", "State", "Active link", "4G signal", "Layers per link (1–7)", "Root cause", "Last seen"].map((t) => h("th", { scope: "col" }, t))),
    ),
    h("tbody", {}, devices.map(deviceRow)),
  );
}

function deviceRow(d) {
  const root = deviceRootCause(d);
  const fallback = onFallback(d);
  const links = linkNames(d);
  const href = `#/devices/${encodeURIComponent(d.deviceId)}`;
  return h(
    "tr",
    { "data-device": d.deviceId, "data-online": String(d.online), class: d.online ? "" : "is-offline" },
    h("th", { scope: "row", "data-label": "Device" }, h("a", { href, "data-key": `dev-${d.deviceId}` }, d.deviceId)),
    h(
      "td",
      { "data-label": "State" },
      h("span", { class: `badge ${d.online ? "online" : "offline"}`, "data-state": d.online ? "online" : "offline" }, d.online ? "online" : "offline"),
      !d.online && d.statusReason ? h("span", { class: "muted small" }, ` ${d.statusReason}`) : null,
    ),
    h(
      "td",
      { "data-label": "Active link", class: "link-cell", "data-active-link": d.activeLink ?? "" },
      d.activeLink ? h("code", {}, d.activeLink) : h("span", { class: "muted" }, "none"),
      fallback ? h("span", { class: "badge warn", "data-fallback": "true" }, "fallback") : null,
    ),
    h("td", { "data-label": "4G signal" }, signalBarsView(d.signal)),
    h(
      "td",
      { "data-label": "Layers" },
      links.length
        ? h(
            "ul",
            { class: "strips" },
            links.map((l) => h("li", {}, h("code", { class: "ifname" }, l), layerStripView(d, l))),
          )
        : h("span", { class: "muted" }, "no report yet"),
    ),
    h(
      "td",
      { "data-label": "Root cause", "data-root-cause": root ?? "none" },
      root
        ? [h("span", { class: "root-cause" }, `${layerNumber(root)} ${root}`), " ", h("span", { class: "muted small" }, rootCauseWhere(d, root).join(", "))]
        : h("span", { class: "muted" }, d.health ? "none" : "–"),
    ),
    h("td", { "data-label": "Last seen" }, d.lastSeenAt ? h("time", { datetime: d.lastSeenAt, title: d.lastSeenAt }, ago(d.lastSeenAt)) : "never"),
  );
}

/** The fleet table as CSV: the devices shown (filter and sort applied), as loaded. */
function csvRows(devices, state) {
  const firing = new Map();
  for (const a of state.alerts ?? []) firing.set(a.deviceId, [...(firing.get(a.deviceId) ?? []), a.subject ? `${a.rule} ${a.subject}` : a.rule]);
  const availability = new Map((state.fleetHistory?.perDevice ?? []).map((p) => [p.deviceId, p]));
  const header = [
    "device",
    "state",
    "offline reason",
    "active link",
    "on fallback",
    "signal dBm",
    "signal measure",
    "root cause",
    "root cause on",
    "failing layers",
    "firing alerts",
    "availability 24h",
    "outages 24h",
    "last seen",
  ];
  const rows = devices.map((d) => {
    const root = deviceRootCause(d);
    const s = signalBars(d.signal);
    const a = availability.get(d.deviceId);
    return [
      d.deviceId,
      d.online ? "online" : "offline",
      d.online ? "" : (d.statusReason ?? ""),
      d.activeLink ?? "",
      onFallback(d) ? "yes" : "no",
      s.dbm,
      s.measure ?? "",
      root ? `${layerNumber(root)} ${root}` : "",
      root ? rootCauseWhere(d, root).join(" ") : "",
      failingLayers(d).join(" "),
      (firing.get(d.deviceId) ?? []).join("; "),
      typeof a?.availability === "number" ? Math.round(a.availability * 10000) / 10000 : "",
      a ? a.outages : "",
      d.lastSeenAt ?? "",
    ];
  });
  return [header, ...rows];
}

function exportCsv(devices, state) {
  const blob = new Blob([toCsv(csvRows(devices, state))], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  const a = h("a", { href: url, download: `uplink-fleet-${stamp}.csv`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export { csvRows };
