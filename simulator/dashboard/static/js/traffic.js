// Traffic: the request journal (GET /_sim/requests, polled for what came after the last entry)
// and the MQTT journal (GET /_sim/mqtt/messages), both filterable; contract violations stand out,
// bodies are fetched on demand (GET /_sim/requests/{id}).
import { ownRequests, requestKey, sim } from "./api.js";
import { $, badge, el, emit, errorText, fill, pretty, shortTime, table, whileVisible } from "./dom.js";

const KEEP = 500;
const requests = []; // newest last
let lastSeq = 0;
let shownEntry = null;
let mqttSignature = "";
let mqttMessages = [];

function statusKind(status) {
  if (status >= 500) return "bad";
  if (status >= 400) return "warn";
  return "ok";
}

/** Was this journal entry one of the page's own calls? (Each call the page sent marks one entry.) */
function markOwn(entry) {
  const key = requestKey(entry.method, entry.path, entry.query);
  const count = ownRequests.get(key) || 0;
  if (!count) return;
  entry.own = true;
  if (count === 1) ownRequests.delete(key);
  else ownRequests.set(key, count - 1);
}

function matchesRequest(entry) {
  if ($("req-violations").checked && !entry.violations.length) return false;
  if ($("req-hide-own").checked && entry.own) return false;
  const text = $("req-filter").value.trim().toLowerCase();
  if (!text) return true;
  return [entry.method, entry.path, entry.query, entry.status, entry.caller, entry.operationId]
    .some((v) => v !== null && v !== undefined && String(v).toLowerCase().includes(text));
}

function renderRequests() {
  const rows = requests.filter(matchesRequest).slice(-200).reverse().map((entry) => el("tr", {
    class: [entry.violations.length ? "violation" : "", entry.id === shownEntry ? "selected" : ""].join(" ").trim(),
    dataset: { entryId: entry.id }, onclick: () => showRequest(entry.id),
  },
  el("td", {}, shortTime(entry.time)),
  el("td", {}, el("b", {}, entry.method)),
  el("td", { class: "path" }, entry.path, entry.query ? el("span", { class: "muted" }, `?${entry.query}`) : "",
    entry.violations.length ? el("div", { class: "violations" }, entry.violations.map((v) => `${v.path}: ${v.message}`).join(" · ")) : ""),
  el("td", {}, badge(entry.status, statusKind(entry.status))),
  el("td", { class: "num" }, `${entry.durationMs.toFixed(1)} ms`),
  el("td", {}, entry.caller || el("span", { class: "muted" }, "anonymous"), entry.own ? badge("dashboard", "muted") : "")));
  fill("requests", rows.length ? table(["Time", "Method", "Path", "Status", "Duration", "Caller"], rows, { class: "clickable" })
    : el("p", { class: "muted" }, "No request matches."));
}

async function showRequest(id) {
  shownEntry = id;
  renderRequests();
  try {
    const entry = await sim(`/requests/${id}`);
    fill("request-detail",
      el("h4", {}, `${entry.method} ${entry.path}${entry.query ? `?${entry.query}` : ""} → ${entry.status}`),
      el("p", { class: "muted" }, `${entry.operationId || "no operation"} · ${entry.caller || "anonymous"} · ${entry.durationMs} ms`),
      entry.violations.length ? el("div", { class: "violation-box" }, el("b", {}, "Contract violations"),
        el("ul", {}, entry.violations.map((v) => el("li", {}, el("code", {}, v.path), " ", v.message)))) : "",
      el("h4", {}, "Request body"), el("pre", {}, prettyBody(entry.requestBody) || "(empty)"),
      el("h4", {}, "Response body"), el("pre", {}, prettyBody(entry.responseBody) || "(empty)"));
  } catch (error) {
    fill("request-detail", el("p", { class: "error" }, errorText(error)));
  }
}

function prettyBody(text) {
  try { return pretty(JSON.parse(text)); } catch { return text; }
}

/** A successful change to what the World tab lists (not a data report or a stream ticket). */
function changesWorld(entry) {
  return entry.method !== "GET" && entry.status < 300 && !/ingest|streaming-connections|\/id\//.test(entry.path);
}

async function pollRequests() {
  try {
    const answer = await sim(`/requests?after=${lastSeq}`);
    if (!answer.data.length) return;
    answer.data.forEach(markOwn);
    requests.push(...answer.data);
    requests.splice(0, Math.max(0, requests.length - KEEP));
    lastSeq = answer.data[answer.data.length - 1].id;
    if (answer.data.some(changesWorld)) emit("world-changed");
    if (document.body.dataset.tab === "traffic") renderRequests();
  } catch { /* retried on the next poll */ }
}

function renderMqtt() {
  const text = $("mqtt-filter").value.trim().toLowerCase();
  const direction = $("mqtt-direction").value;
  const rows = mqttMessages.filter((m) => (!direction || m.direction === direction) &&
    (!text || [m.topic, m.deviceId, m.clientId, m.payload, m.outcome].some((v) => v && String(v).toLowerCase().includes(text))))
    .slice(-200).reverse().map((m) => el("tr", { class: m.outcome && m.outcome !== "accepted" && m.outcome !== "delivered" ? "warn-row" : "" },
      el("td", {}, shortTime(m.time)),
      el("td", {}, badge(m.direction === "uplink" ? "↑ up" : "↓ down", m.direction === "uplink" ? "up" : "down")),
      el("td", { class: "path" }, m.topic),
      el("td", {}, el("code", { title: m.deviceId || "" }, (m.deviceId || "").slice(0, 8))),
      el("td", { class: "payload" }, el("code", { title: m.payload }, m.payload)),
      el("td", {}, m.outcome || "")));
  fill("mqtt", rows.length ? table(["Time", "Dir", "Topic", "Device", "Payload", "Outcome"], rows)
    : el("p", { class: "muted" }, "No MQTT message matches."));
}

async function pollMqtt() {
  try {
    const answer = await sim("/mqtt/messages?limit=300");
    const last = answer.data[answer.data.length - 1];
    const signature = `${answer.data.length}|${last ? last.time + last.topic + last.payload : ""}`;
    if (signature === mqttSignature) return;
    mqttSignature = signature;
    mqttMessages = answer.data;
    renderMqtt();
  } catch { /* retried */ }
}

export function initTraffic() {
  for (const id of ["req-filter", "req-violations", "req-hide-own"]) $(id).addEventListener("input", renderRequests);
  for (const id of ["mqtt-filter", "mqtt-direction"]) $(id).addEventListener("input", renderMqtt);
  $("req-clear").addEventListener("click", async () => {
    await sim("/requests", { method: "DELETE" });
    requests.length = 0;
    fill("request-detail");
    renderRequests();
  });
  setInterval(pollRequests, 1000);
  pollRequests();
  whileVisible("traffic", 1500, pollMqtt);
  whileVisible("traffic", 5000, renderRequests);
}

/** After a reset the server's journal is empty; entry ids go on increasing, so `lastSeq` stays. */
export function clearJournalView() {
  requests.length = 0;
  shownEntry = null;
  fill("request-detail");
  renderRequests();
}
