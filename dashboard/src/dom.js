// A tiny element builder: text always goes in as text (never as HTML), so nothing a device sends
// can inject markup.

const SVG_NS = "http://www.w3.org/2000/svg";
const SVG_TAGS = new Set(["svg", "g", "path", "line", "polyline", "rect", "circle", "text", "title", "desc"]);

/**
 * h("button", { class: "x", onclick: fn, "aria-label": "..." }, "text", child, [more])
 * Attributes with the value false/null/undefined are left out; true sets an empty attribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = SVG_TAGS.has(tag) ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value" && "value" in el) el.value = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/**
 * Replaces a container's content and keeps the keyboard focus on the element with the same
 * data-key, so that a live update never throws a keyboard user back to the top.
 */
export function render(container, ...children) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.getAttribute("data-key") : null;
  // <details> keep what a person opened or closed (matched by data-key too).
  const wasOpen = new Map([...container.querySelectorAll("details[data-key]")].map((d) => [d.getAttribute("data-key"), d.open]));
  container.replaceChildren();
  append(container, children);
  for (const [k, isOpen] of wasOpen) {
    const d = container.querySelector(`details[data-key="${CSS.escape(k)}"]`);
    if (d) d.open = isOpen;
  }
  if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus({ preventScroll: true });
}

export function time(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  return h("time", { datetime: iso, title: d.toISOString() }, d.toLocaleString([], { dateStyle: "short", timeStyle: "medium" }));
}
