// Telemetry: one uPlot chart per numeric attribute of the chosen device, fed live by the stream
// (last-timeseries for the start) or, for longer ranges, by the API's aggregated timeseries; the
// last events and diagnostics; and a form to act as the device (data-ingest / event-ingest).
import { all, api } from "./api.js";
import { clock, simNow } from "./clock.js";
import { $, el, errorText, fill, on, pretty, shortTime, table } from "./dom.js";
import { deviceTypes } from "./world.js";

const LIVE_WINDOW_S = 10 * 60;
// Range -> [seconds, frame size]; "live" is the stream plus the last points.
const RANGES = { live: [LIVE_WINDOW_S, null], "1h": [3600, "1m"], "6h": [6 * 3600, "5m"], "24h": [86400, "30m"], "7d": [7 * 86400, "1h"] };
const MAX_LIVE_POINTS = 2000;
const FRAME_SECONDS = { "1m": 60, "5m": 300, "30m": 1800, "1h": 3600 };

let device = null; // { id, name, typeId }
const charts = new Map(); // attribute -> { plot, xs, ys, box }

function numericAttributes(type, attributes) {
  const names = new Set();
  const schema = (type && type.schema && type.schema.attributes) || {};
  for (const [name, spec] of Object.entries(schema)) if (["number", "integer"].includes(spec && spec.type)) names.add(name);
  for (const [name, value] of Object.entries(attributes || {})) if (typeof value === "number") names.add(name);
  return [...names].sort();
}

function colors() {
  const style = getComputedStyle(document.body);
  return { text: style.getPropertyValue("--fg").trim() || "#222", grid: style.getPropertyValue("--grid").trim() || "#ddd",
    line: style.getPropertyValue("--accent").trim() || "#2563eb" };
}

function makeChart(attribute, box) {
  const c = colors();
  const axis = { stroke: c.text, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid } };
  const opts = {
    width: chartWidth(box), height: 170,
    legend: { show: false },
    scales: { x: { time: true, auto: false } },
    series: [{}, { label: attribute, stroke: c.line, width: 2, points: { size: 4 }, spanGaps: true }],
    axes: [axis, axis],
  };
  const plot = new uPlot(opts, [[], []], box);
  // A chart made while its tab is hidden has no width yet: follow the box's size.
  new ResizeObserver(() => {
    const width = chartWidth(box);
    if (width !== plot.width) plot.setSize({ width, height: 170 });
  }).observe(box);
  return { plot, xs: [], ys: [], box };
}

function chartWidth(box) {
  return Math.max(240, box.clientWidth - 10);
}

function xWindow() {
  const [seconds] = RANGES[$("tel-range").value];
  const max = simNow() / 1000;
  return { min: max - seconds, max };
}

function redraw(chart) {
  const { min, max } = xWindow();
  chart.plot.batch(() => {
    chart.plot.setData([chart.xs, chart.ys], false);
    chart.plot.setScale("x", { min, max });
  });
  chart.box.dataset.xmax = String(Math.round(max));
  chart.box.dataset.points = String(chart.xs.length);
  chart.box.dataset.last = chart.ys.length ? String(chart.ys[chart.ys.length - 1]) : "";
  const latest = chart.box.querySelector(".chart-value");
  if (latest) latest.textContent = chart.box.dataset.last;
}

function setPoints(chart, points) {
  const sorted = points.filter((p) => typeof p.value === "number").map((p) => [Date.parse(p.time) / 1000, p.value]).sort((a, b) => a[0] - b[0]);
  chart.xs = sorted.map((p) => p[0]);
  chart.ys = sorted.map((p) => p[1]);
  redraw(chart);
}

async function loadSeries(attribute, chart) {
  const range = $("tel-range").value;
  const path = `$.attributes.${attribute}`;
  try {
    if (range === "live") {
      setPoints(chart, (await api(`/devices/${device.id}/last-timeseries`, { query: { path } })).data);
    } else {
      const [seconds, frameSize] = RANGES[range];
      // Ranges are half-open [start, end): end with the current frame, so what just arrived counts.
      const frameMs = FRAME_SECONDS[frameSize] * 1000;
      const end = (Math.floor(simNow() / frameMs) + 1) * frameMs;
      const answer = await api(`/devices/${device.id}/aggregated-timeseries`, { query: {
        path, frameSize, aggregation: $("tel-aggregation").value,
        startTime: new Date(end - seconds * 1000).toISOString(), endTime: new Date(end).toISOString(),
      } });
      setPoints(chart, answer.data);
    }
  } catch (error) {
    chart.box.title = errorText(error);
  }
}

async function loadCharts() {
  for (const chart of charts.values()) chart.plot.destroy();
  charts.clear();
  fill("charts");
  if (!device) return;
  const state = (await api(`/devices/${device.id}/state`)).data;
  const names = numericAttributes(deviceTypes.get(device.typeId), state.attributes);
  if (!names.length) fill("charts", el("p", { class: "muted" }, "This device type has no numeric attributes."));
  for (const name of names) {
    const box = el("div", { class: "chart", dataset: { attribute: name } },
      el("div", { class: "chart-title" }, name, " ", el("span", { class: "chart-value" })));
    $("charts").append(box);
    const chart = makeChart(name, box);
    charts.set(name, chart);
    await loadSeries(name, chart);
  }
}

async function loadLists() {
  if (!device) return;
  try {
    const [events, diagnostics] = await Promise.all([api(`/devices/${device.id}/last-events`), api(`/devices/${device.id}/last-diagnostics`)]);
    fill("events", events.data.length ? table(["Time", "Type", "Value"], events.data.map((e) => el("tr", {},
      el("td", {}, shortTime(e.createdAt || e.time)), el("td", {}, e.type || e.eventType || ""), el("td", {}, el("code", {}, JSON.stringify(e.value ?? e.payload ?? {})))))) : el("p", { class: "muted" }, "no events yet"));
    fill("diagnostics", diagnostics.data.length ? table(["Time", "Message"], diagnostics.data.map((d) => el("tr", {},
      el("td", {}, shortTime(d.createdAt || d.time)), el("td", {}, d.message || d.errorMessage || JSON.stringify(d))))) : el("p", { class: "muted" }, "no diagnostics"));
  } catch (error) {
    fill("events", el("p", { class: "error" }, errorText(error)));
  }
}

const STREAM_SHOWN = 15;
const streamed = [];

function showStreamed() {
  fill("tel-stream", streamed.length ? table(["Time", "Type", "Payload"], streamed.map((m) => el("tr", {},
    el("td", {}, shortTime(m.time)), el("td", {}, m.type), el("td", { class: "payload" }, el("code", {}, JSON.stringify(m.payload))))))
    : el("p", { class: "muted" }, "Waiting for the device's next message…"));
}

async function showState() {
  if (!device) return;
  try {
    const state = (await api(`/devices/${device.id}/state`)).data;
    fill("tel-state", table(["Attribute", "Value", "Updated"], Object.entries(state.attributes || {}).map(([name, value]) => el("tr", {},
      el("td", {}, name), el("td", {}, el("code", {}, JSON.stringify(value))), el("td", {}, shortTime((state.attributesUpdatedAt || {})[name]))))),
    el("p", { class: "muted" }, `last seen ${shortTime(state.lastSeen) || "never"}`));
  } catch (error) {
    fill("tel-state", el("p", { class: "error" }, errorText(error)));
  }
}

let stateTimer = null;

async function chooseDevice(id) {
  if (!id) return;
  const found = (await api(`/devices/${id}`)).data;
  device = { id, name: found.info.name, typeId: found.info.deviceTypeId };
  const picker = $("tel-device");
  if (![...picker.options].some((o) => o.value === id)) picker.append(el("option", { value: id }, found.info.name));
  picker.value = id;
  fill("act-result");
  streamed.length = 0;
  showStreamed();
  await Promise.all([loadCharts(), loadLists(), showState()]);
}

async function loadDeviceOptions() {
  try {
    const devices = await all("/devices");
    const picker = $("tel-device");
    fill(picker, el("option", { value: "" }, "choose a device…"),
      devices.map((d) => el("option", { value: d.id, selected: device && d.id === device.id }, d.info.name)));
  } catch { /* the picker stays as it was */ }
}

function onStream(message) {
  if (!device || message.deviceId !== device.id) return;
  streamed.unshift(message);
  streamed.splice(STREAM_SHOWN);
  showStreamed();
  clearTimeout(stateTimer);
  stateTimer = setTimeout(showState, 150);
  if (message.type === "eventUpdate") { loadLists(); return; }
  if (message.type !== "attributeUpdate" || $("tel-range").value !== "live") return;
  const value = (message.payload && message.payload.value) || {};
  const at = Date.parse(message.time) / 1000;
  for (const [name, number] of Object.entries(value)) {
    if (typeof number !== "number") continue;
    const chart = charts.get(name);
    if (!chart) { loadCharts(); return; } // a numeric attribute seen for the first time
    let i = chart.xs.length;
    while (i > 0 && chart.xs[i - 1] > at) i -= 1;
    chart.xs.splice(i, 0, at);
    chart.ys.splice(i, 0, number);
    if (chart.xs.length > MAX_LIVE_POINTS) { chart.xs.shift(); chart.ys.shift(); }
    redraw(chart);
  }
}

async function act(event) {
  event.preventDefault();
  if (!device) return;
  const kind = $("act-kind").value;
  let value;
  try {
    value = JSON.parse($("act-value").value || "{}");
  } catch (error) {
    fill("act-result", el("p", { class: "error" }, `Not JSON: ${errorText(error)}`));
    return;
  }
  const request = kind === "event"
    ? ["/event-ingest", { type: $("act-event").value.trim(), value, deviceId: device.id }]
    : ["/data-ingest", { senderId: device.id, deviceId: device.id, type: kind, value }];
  try {
    const answer = await api(request[0], { method: "POST", body: request[1] });
    fill("act-result", el("p", { class: "ok" }, `accepted: ${JSON.stringify(answer.data)}`));
  } catch (error) {
    fill("act-result", el("p", { class: "error" }, errorText(error)), error.body ? el("pre", {}, pretty(error.body)) : "");
  }
  loadLists();
}

function exampleValue() {
  const type = device && deviceTypes.get(device.typeId);
  const kind = $("act-kind").value;
  const example = {};
  if (kind === "event") {
    const events = (type && type.schema && type.schema.events) || {};
    const first = Object.keys(events)[0];
    if (first && !$("act-event").value) $("act-event").value = first;
    return "{}";
  }
  const section = (type && type.schema && (kind === "attributes" ? type.schema.attributes : type.schema.configuration)) || {};
  for (const [name, spec] of Object.entries(section)) {
    if (spec.type === "number" || spec.type === "integer") example[name] = spec.minimum ?? 1;
    else if (spec.type === "boolean") example[name] = true;
    else if (spec.type === "string") example[name] = (spec.enum && spec.enum[0]) || "text";
    if (Object.keys(example).length >= 2) break;
  }
  return JSON.stringify(example);
}

export function initTelemetry() {
  $("tel-device").addEventListener("change", (e) => chooseDevice(e.target.value));
  $("tel-range").addEventListener("change", () => {
    $("tel-aggregation").disabled = $("tel-range").value === "live";
    for (const [name, chart] of charts) loadSeries(name, chart);
  });
  $("tel-aggregation").addEventListener("change", () => { for (const [name, chart] of charts) loadSeries(name, chart); });
  $("act-form").addEventListener("submit", act);
  $("act-kind").addEventListener("change", () => {
    $("act-event-label").hidden = $("act-kind").value !== "event";
    $("act-value").value = exampleValue();
  });
  $("act-example").addEventListener("click", () => { $("act-value").value = exampleValue(); });
  on("stream-message", onStream);
  on("device-selected", (id) => { if (!device || device.id !== id) chooseDevice(id).then(() => { $("act-value").value = exampleValue(); }); });
  on("world-changed", loadDeviceOptions);
  on("world-reset", () => { device = null; loadDeviceOptions(); loadCharts(); });
  on("clock", () => { for (const chart of charts.values()) redraw(chart); });
  let resizeTimer = null;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(loadCharts, 300); });
  setInterval(() => {
    if (!clock.paused && document.body.dataset.tab === "telemetry") for (const chart of charts.values()) redraw(chart);
  }, 250);
  loadDeviceOptions();
}
