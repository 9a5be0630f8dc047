// Pure functions over the API's device views: what the fleet view shows, filters and sorts by.
// No DOM here, so that they can be tested without a browser.

/** The seven layers, bottom up, as shared/src/layers.ts names them. */
export const LAYER_NAMES = ["hardware", "session", "interface", "ip", "routing", "dns", "application"];
export const LINK_LAYER_COUNT = 4;

/** @param {string | null | undefined} name */
export function layerNumber(name) {
  const i = LAYER_NAMES.indexOf(String(name));
  return i < 0 ? null : i + 1;
}

/** The links of a device in a stable order: the active one first, then by name. */
export function linkNames(device) {
  const names = new Set([
    ...Object.keys(device?.health?.links ?? {}),
    ...Object.keys(device?.links ?? {}),
  ]);
  const active = device?.activeLink;
  return [...names].sort((a, b) => (a === active ? -1 : b === active ? 1 : a.localeCompare(b)));
}

/**
 * The seven cells of one link: layers 1-4 of the link, 5-7 of the host (which every link shares).
 * Each cell says its state and whether it is the root cause: the lowest failing layer.
 */
export function layerStrip(device, ifname) {
  const link = device?.health?.links?.[ifname];
  const host = device?.health?.host;
  const byName = new Map();
  for (const l of link?.layers ?? []) byName.set(l.name, l);
  for (const l of host?.layers ?? []) if (layerNumber(l.name) > LINK_LAYER_COUNT) byName.set(l.name, l);
  const root = rootCauseOfLink(device, ifname);
  return LAYER_NAMES.map((name, i) => {
    const l = byName.get(name);
    return {
      layer: i + 1,
      name,
      state: l?.state ?? "unknown",
      summary: l?.summary ?? "not assessed",
      cause: l?.cause ?? null,
      isRoot: root?.name === name,
    };
  });
}

/** The root cause of one link: its own lowest failing layer, else the host's. */
export function rootCauseOfLink(device, ifname) {
  const link = device?.health?.links?.[ifname];
  const name = link?.firstFailingLayer ?? device?.health?.host?.firstFailingLayer ?? null;
  if (!name) return null;
  const layers = [...(link?.layers ?? []), ...(device?.health?.host?.layers ?? [])];
  const layer = layers.find((l) => l.name === name);
  return { name, layer: layerNumber(name), cause: layer?.cause ?? null, summary: layer?.summary ?? "" };
}

/**
 * The device's root cause as one layer name: the one of the link that carries its traffic, else
 * the lowest of any link or the host. null when nothing fails.
 */
export function deviceRootCause(device) {
  const causes = Object.entries(device?.rootCause ?? {}).filter(([, v]) => v);
  if (device?.health) {
    for (const [ifname, link] of Object.entries(device.health.links ?? {})) {
      if (link.firstFailingLayer) causes.push([ifname, link.firstFailingLayer]);
    }
    if (device.health.host?.firstFailingLayer) causes.push(["host", device.health.host.firstFailingLayer]);
  }
  if (causes.length === 0) return null;
  return causes.map(([, v]) => v).sort((a, b) => layerNumber(a) - layerNumber(b))[0];
}

/** Where a failing layer is the root cause: the links (or "host") whose lowest failing layer it is. */
export function rootCauseWhere(device, name) {
  const where = [];
  for (const [ifname, link] of Object.entries(device?.health?.links ?? {})) if (link.firstFailingLayer === name) where.push(ifname);
  if (device?.health?.host?.firstFailingLayer === name) where.push("host");
  return where;
}

/** Every layer that fails somewhere on the device (any link or the host), once each. */
export function failingLayers(device) {
  const out = new Set(Object.values(device?.rootCause ?? {}).filter(Boolean));
  for (const link of Object.values(device?.health?.links ?? {})) if (link.firstFailingLayer) out.add(link.firstFailingLayer);
  if (device?.health?.host?.firstFailingLayer) out.add(device.health.host.firstFailingLayer);
  return [...out].sort((a, b) => layerNumber(a) - layerNumber(b));
}

export function onFallback(device) {
  return Boolean(device?.online && device?.health?.selection?.onFallback);
}

/**
 * Signal in 0-4 bars. LTE's RSRP is the better measure where the modem gives it; RSSI otherwise.
 * Thresholds are the usual LTE field ones (RSRP >= -80 excellent ... < -100 poor) and, for RSSI,
 * the ones most modem vendors print as "excellent/good/fair/poor".
 */
export function signalBars(signal) {
  if (!signal) return { bars: 0, dbm: null, measure: null };
  if (typeof signal.rsrpDbm === "number") {
    const v = signal.rsrpDbm;
    return { bars: v >= -80 ? 4 : v >= -90 ? 3 : v >= -100 ? 2 : v >= -120 ? 1 : 0, dbm: v, measure: "RSRP" };
  }
  if (typeof signal.rssiDbm === "number") {
    const v = signal.rssiDbm;
    return { bars: v >= -65 ? 4 : v >= -75 ? 3 : v >= -85 ? 2 : v >= -100 ? 1 : 0, dbm: v, measure: "RSSI" };
  }
  return { bars: 0, dbm: null, measure: null };
}

/**
 * A device needs attention when it is offline, a layer fails somewhere on it, or an alert about it
 * is firing. `firing`: the ids of devices with a firing alert.
 */
export function needsAttention(device, firing = new Set()) {
  return !device.online || failingLayers(device).length > 0 || firing.has(device.deviceId);
}

/** The ids of the devices with a firing alert. */
export function firingDeviceIds(alerts) {
  return new Set((alerts ?? []).filter((a) => a.state === "firing").map((a) => a.deviceId));
}

/** "99.5 %" for a ratio (0-1); "–" when there is none. One decimal, never rounded up to 100. */
export function percent(ratio) {
  if (typeof ratio !== "number" || !Number.isFinite(ratio)) return "–";
  const tenths = Math.floor(ratio * 1000) / 10;
  return `${tenths.toFixed(1)} %`;
}

/** "1.2 MB": bytes for people (decimal units, as carriers bill). */
export function bytes(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "–";
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

/** What kind of link an interface is, by its name: Wi-Fi, 4G (cellular), Ethernet, or other. */
export function linkKind(ifname) {
  const n = String(ifname ?? "");
  if (n === "offline") return "offline";
  if (n === "unknown") return "unknown";
  if (/^(wlan|wlp|wlx|wl)/.test(n)) return "wifi";
  if (/^(wwan|wwp|ppp|usb|rmnet|cdc-wdm)/.test(n)) return "cellular";
  if (/^(eth|enp|ens|eno|enx|en)/.test(n)) return "ethernet";
  return "other";
}

export const LINK_KIND_LABELS = { wifi: "Wi-Fi", cellular: "4G", ethernet: "Ethernet", other: "other link", offline: "offline", unknown: "online, link not yet reported" };

/** The counts at the top of the fleet view. `firing`: device ids with a firing alert. */
export function fleetCounts(devices, firing = new Set()) {
  const byLayer = Object.fromEntries(LAYER_NAMES.map((n) => [n, 0]));
  let online = 0;
  let fallback = 0;
  let healthy = 0;
  let attention = 0;
  for (const d of devices) {
    if (needsAttention(d, firing)) attention += 1;
    if (d.online) online += 1;
    if (onFallback(d)) fallback += 1;
    const failing = failingLayers(d);
    if (failing.length === 0 && d.health) healthy += 1;
    for (const l of failing) byLayer[l] += 1;
  }
  return { total: devices.length, online, offline: devices.length - online, fallback, healthy, attention, byLayer };
}

export const DEFAULT_FILTER = { text: "", status: "all", link: "all", layer: "all" };

/**
 * @param {object} d a device view
 * @param {{text: string, status: string, link: string, layer: string}} f
 *   status: all | attention | online | offline | fallback; link: all | none | an ifname; layer: all | none | a layer name
 * @param {Set<string>} [firing] device ids with a firing alert (for status "attention")
 */
export function matchesFilter(d, f, firing = new Set()) {
  if (f.status === "attention" && !needsAttention(d, firing)) return false;
  if (f.text && !d.deviceId.includes(f.text.trim().toLowerCase())) return false;
  if (f.status === "online" && !d.online) return false;
  if (f.status === "offline" && d.online) return false;
  if (f.status === "fallback" && !onFallback(d)) return false;
  if (f.link === "none" && d.activeLink) return false;
  if (f.link !== "all" && f.link !== "none" && d.activeLink !== f.link) return false;
  const failing = failingLayers(d);
  if (f.layer === "none" && failing.length > 0) return false;
  if (f.layer !== "all" && f.layer !== "none" && !failing.includes(f.layer)) return false;
  return true;
}

const SORTS = {
  id: (a, b) => a.deviceId.localeCompare(b.deviceId),
  // Trouble first: offline, then a failing layer (lowest first), then on fallback.
  status: (a, b) => severity(a) - severity(b) || SORTS.id(a, b),
  signal: (a, b) => (signalBars(a.signal).dbm ?? -999) - (signalBars(b.signal).dbm ?? -999) || SORTS.id(a, b),
  layer: (a, b) => (layerNumber(deviceRootCause(a)) ?? 99) - (layerNumber(deviceRootCause(b)) ?? 99) || SORTS.id(a, b),
  seen: (a, b) => Date.parse(b.lastSeenAt ?? 0) - Date.parse(a.lastSeenAt ?? 0) || SORTS.id(a, b),
};
export const SORT_KEYS = Object.keys(SORTS);

function severity(d) {
  if (!d.online) return 0;
  const root = deviceRootCause(d);
  if (root) return layerNumber(root);
  if (onFallback(d)) return 8;
  return 9;
}

export function sortDevices(devices, key) {
  return [...devices].sort(SORTS[key] ?? SORTS.id);
}

/** "12 s ago", "3 min ago": how old a time is, for people. */
export function ago(iso, nowMs = Date.now()) {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function duration(seconds) {
  if (seconds == null) return "–";
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}
