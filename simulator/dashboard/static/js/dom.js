// Small DOM helpers: every value from the simulator goes in as text, never as HTML.

/** el("tr", {class: "x", onclick: fn}, "text", childNode, [more, children]) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** Replace the content of `node` (an element or its id). */
export function fill(node, ...children) {
  const target = typeof node === "string" ? document.getElementById(node) : node;
  target.replaceChildren();
  append(target, children);
  return target;
}

export const $ = (id) => document.getElementById(id);

export function pretty(value) {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

/** "2026-12-04T05:20:26.585Z" -> "05:20:26" (today) or "2026-12-04 05:20:26". */
export function shortTime(iso) {
  if (!iso) return "";
  const text = String(iso).replace("T", " ").replace(/\.\d+Z$|Z$/, "");
  return text.slice(0, 10) === new Date().toISOString().slice(0, 10) ? text.slice(11) : text;
}

/** A table from rows of cells; `head` names the columns. */
export function table(head, rows, attrs = {}) {
  return el("table", attrs,
    el("thead", {}, el("tr", {}, head.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows));
}

export function badge(text, kind = "") {
  return el("span", { class: `badge ${kind}` }, text);
}

export function onlineBadge(online) {
  if (online === true) return badge("online", "ok");
  if (online === false) return badge("offline", "bad");
  return badge("unknown", "muted");
}

/** Application-wide events: "device-selected", "world-changed", "stream-message", "clock". */
export const bus = new EventTarget();
export const emit = (type, detail) => bus.dispatchEvent(new CustomEvent(type, { detail }));
export const on = (type, fn) => bus.addEventListener(type, (e) => fn(e.detail));

/** Run `fn` every `ms` while the tab named `tab` is shown (and once when it is shown). */
export function whileVisible(tab, ms, fn) {
  const tick = () => { if (document.body.dataset.tab === tab && !document.hidden) fn(); };
  setInterval(tick, ms);
  on("tab", (name) => { if (name === tab) fn(); });
}

export function errorText(error) {
  return error && error.message ? error.message : String(error);
}
