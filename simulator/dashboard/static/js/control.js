// Control: the simulated clock, reset, snapshot download and upload, the running scenario with
// its counters, fault rules (when the server has them), open streams, and minting tokens.
import { mint, sim } from "./api.js";
import { clock, pollClock } from "./clock.js";
import { $, badge, el, emit, errorText, fill, on, table, whileVisible } from "./dom.js";

function report(id, text, kind = "ok") {
  fill(id, el("span", { class: kind }, text));
}

async function clockCall(path, body) {
  try {
    await sim(path, { method: "POST", body: body ?? {} });
    await pollClock();
    report("clock-result", "done");
  } catch (error) {
    report("clock-result", errorText(error), "error");
  }
}

function showClock() {
  fill("clock-state", el("div", { class: "kv" },
    el("span", {}, "Now"), el("b", { id: "clock-now" }, new Date(clock.now).toISOString().replace("T", " ").slice(0, 19)),
    el("span", {}, "Mode"), el("span", {}, clock.paused ? badge("paused", "warn") : badge(clock.mode)),
    el("span", {}, "Speed"), el("span", {}, `×${clock.speed}`)));
  $("clock-pause").textContent = clock.paused ? "Resume" : "Pause";
  $("clock-pause").disabled = !clock.paused && !(clock.mode === "realtime" || clock.mode === "scaled");
}

async function loadScenario() {
  try {
    const answer = await sim("/scenario");
    if (!answer.running) {
      fill("scenario", el("p", { class: "muted" }, "No scenario is running (olt-sim serve --scenario FILE starts one)."));
      return;
    }
    const fleets = Object.entries(answer.fleets || {});
    // counter -> column title (short: nine counters fit a half screen)
    const columns = { devices: "devices", messages: "data sent", events: "events", accepted: "accepted",
      diagnostics: "diagnostics", actions: "actions", configurations: "config", offline_spells: "offline", errors: "errors" };
    fill("scenario",
      el("div", { class: "kv" },
        el("span", {}, "Scenario"), el("b", {}, answer.name),
        el("span", {}, "Devices"), el("span", {}, `${answer.online} online of ${answer.devices}`),
        el("span", {}, "Elapsed"), el("span", {}, `${Math.round(answer.elapsed)} s simulated`)),
      table(["Fleet", ...Object.values(columns)], fleets.map(([name, counters]) => el("tr", {},
        el("td", {}, name), Object.keys(columns).map((c) => el("td", { class: "num" }, counters[c] ?? 0)))), { class: "nowrap" }));
  } catch (error) {
    fill("scenario", el("p", { class: "error" }, errorText(error)));
  }
}

let hasFaults = null; // does this server have /_sim/faults? (asked once through the /_sim index)

async function loadFaults() {
  const card = $("faults-card");
  if (hasFaults === null) {
    const index = await sim("").catch(() => ({ routes: [] }));
    hasFaults = index.routes.some((r) => r.path === "/_sim/faults");
  }
  card.hidden = !hasFaults;
  if (!hasFaults) return;
  const response = await sim("/faults", { raw: true });
  if (!response.ok) { card.hidden = true; return; }
  const rules = (await response.json()).data || [];
  const show = (v) => (v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
  fill("faults", rules.length ? table(["Id", "Match", "Effect", "Count", "Probability", "After", "For", "Hits"], rules.map((r) => el("tr", {},
    ["id", "match", "effect", "count", "probability", "after", "for", "hits"].map((k) => el("td", {}, el("code", {}, show(r[k]))))))) : el("p", { class: "muted" }, "No fault rules."));
}

async function loadStreams() {
  try {
    const connections = (await sim("/streams")).connections || [];
    fill("streams", connections.length ? table(["Id", "Type", "Filter", "Queued", "Delivered", "Dropped"], connections.map((c) => el("tr", {},
      el("td", {}, c.id), el("td", {}, c.type), el("td", {}, el("code", {}, JSON.stringify(c.filter))),
      el("td", { class: "num" }, c.queued), el("td", { class: "num" }, c.delivered), el("td", { class: "num" }, c.dropped)))) : el("p", { class: "muted" }, "No open stream."));
  } catch (error) {
    fill("streams", el("p", { class: "error" }, errorText(error)));
  }
}

async function loadSubjects() {
  try {
    const world = (await sim("/world")).world;
    fill("token-subject",
      el("optgroup", { label: "Users" }, Object.keys(world.users).map((email) => el("option", { value: email }, email))),
      el("optgroup", { label: "Clients" },
        el("option", { value: world.scriptClient.id }, `script client ${world.scriptClient.id.slice(0, 8)}…`),
        el("option", { value: world.browserClientId }, `browser client ${world.browserClientId.slice(0, 8)}…`)));
  } catch (error) {
    report("token-result", errorText(error), "error");
  }
}

async function copyToken() {
  const text = $("token-value").value;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    $("token-value").select();
    document.execCommand("copy");
  }
  report("token-result", "copied to the clipboard");
}

async function downloadSnapshot() {
  try {
    const snapshot = await sim("/snapshot");
    const url = URL.createObjectURL(new Blob([JSON.stringify(snapshot)], { type: "application/json" }));
    const link = el("a", { href: url, download: `olt-sim-snapshot-${new Date().toISOString().slice(0, 19).replace(/:/g, "")}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    report("world-result", "snapshot downloaded");
  } catch (error) {
    report("world-result", errorText(error), "error");
  }
}

async function uploadSnapshot(event) {
  const file = event.target.files[0];
  if (!file) return;
  try {
    await sim("/snapshot", { method: "PUT", body: await file.text() });
    report("world-result", `restored ${file.name}`);
    emit("world-reset");
  } catch (error) {
    report("world-result", errorText(error), "error");
  }
  event.target.value = "";
}

export function initControl() {
  $("clock-pause").addEventListener("click", () => clockCall(clock.paused ? "/clock/resume" : "/clock/pause"));
  $("clock-advance").addEventListener("click", () => clockCall("/clock/advance", { seconds: Number($("advance-seconds").value) * Number($("advance-unit").value) }));
  $("clock-speed").addEventListener("click", () => clockCall("/clock/speed", { speed: Number($("speed-value").value) }));
  $("world-reset").addEventListener("click", async () => {
    if (!window.confirm("Reset the simulator to its seeded world? Every change is lost.")) return;
    try {
      await sim("/reset", { method: "POST", body: {} });
      report("world-result", "reset to the seeded world");
      emit("world-reset");
    } catch (error) {
      report("world-result", errorText(error), "error");
    }
  });
  $("snapshot-download").addEventListener("click", downloadSnapshot);
  $("snapshot-upload").addEventListener("change", uploadSnapshot);
  $("token-mint").addEventListener("click", async () => {
    try {
      $("token-value").value = await mint($("token-subject").value);
      $("token-copy").disabled = false;
      report("token-result", `token for ${$("token-subject").value}`);
    } catch (error) {
      report("token-result", errorText(error), "error");
    }
  });
  $("token-copy").addEventListener("click", copyToken);
  on("clock", showClock);
  whileVisible("control", 2000, () => { loadScenario(); loadFaults(); loadStreams(); });
  loadSubjects();
}
