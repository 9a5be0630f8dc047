import { h, render } from "../dom.js";
import {
  DEFAULT_FILTER,
  LAYER_NAMES,
  ago,
  deviceRootCause,
  fleetCounts,
  layerNumber,
  linkNames,
  matchesFilter,
  onFallback,
  rootCauseWhere,
  sortDevices,
} from "../fleet-model.js";
import { layerStripView } from "./layer-strip.js";
import { signalBarsView } from "./signal-bars.js";

const SORT_LABELS = { status: "Trouble first", id: "Device id", layer: "Root-cause layer", signal: "Signal, weakest first", seen: "Last seen" };

// The filter outlives a visit to a device view.
let filter = { ...DEFAULT_FILTER };
let sortKey = "status";

export function fleetView(app) {
  const counts = h("section", { class: "counts", "aria-label": "Fleet counts" });
  const results = h("div", { class: "results" });
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
    select("f-status", "State", filter.status, [["all", "All"], ["online", "Online"], ["offline", "Offline"], ["fallback", "On fallback"]], (v) => {
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
    renderCounts(counts, fleetCounts(devices), setFilter);
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
    const shown = sortDevices(devices.filter((d) => matchesFilter(d, filter)), sortKey);
    summary.textContent = `${shown.length} of ${devices.length} devices`;
    render(results, shown.length ? deviceTable(shown) : h("p", { class: "muted empty" }, devices.length ? "No device matches the filter." : "No devices yet."));
  }

  const el = h(
    "div",
    { class: "fleet" },
    h("h1", { class: "page-title" }, "Fleet"),
    counts,
    controls,
    summary,
    results,
  );
  return { el, update, title: "Fleet" };
}

function renderCounts(container, c, setFilter) {
  const tile = (key, label, value, patch, tone) =>
    h(
      "button",
      { type: "button", class: `count ${tone ?? ""}`, "data-key": `count-${key}`, "data-count": key, onclick: () => setFilter(patch), title: `Show: ${label}` },
      h("span", { class: "n" }, String(value)),
      h("span", { class: "label" }, label),
    );
  const failingTotal = Object.values(c.byLayer).some((n) => n > 0);
  render(
    container,
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
