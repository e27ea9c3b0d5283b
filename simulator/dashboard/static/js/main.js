// Starts the dashboard: tabs, the header's clock and stream indicator, who the page reads as.
import { actAs, session, sim } from "./api.js";
import { clock, startClock } from "./clock.js";
import { $, emit, fill, on } from "./dom.js";
import { initControl } from "./control.js";
import { openStream } from "./stream.js";
import { initTelemetry } from "./telemetry.js";
import { clearJournalView, initTraffic } from "./traffic.js";
import { initWorld } from "./world.js";

const TABS = ["world", "telemetry", "traffic", "control"];

function showTab(name) {
  const tab = TABS.includes(name) ? name : "world";
  document.body.dataset.tab = tab;
  for (const button of document.querySelectorAll("nav [data-tab]")) button.setAttribute("aria-selected", String(button.dataset.tab === tab));
  for (const panel of document.querySelectorAll("main > section[data-tab]")) panel.hidden = panel.dataset.tab !== tab;
  if (location.hash !== `#${tab}`) history.replaceState(null, "", `#${tab}`);
  emit("tab", tab);
}

function showHeaderClock() {
  const text = new Date(clock.now).toISOString().replace("T", " ").slice(0, 19);
  fill("header-clock", `${text} UTC · ${clock.paused ? "paused" : clock.mode}${clock.speed !== 1 ? ` ×${clock.speed}` : ""}`);
}

async function start() {
  const requested = location.hash.slice(1);
  for (const button of document.querySelectorAll("nav [data-tab]")) button.addEventListener("click", () => showTab(button.dataset.tab));
  showTab(requested);
  const world = (await sim("/world")).world;
  const reader = $("act-as");
  for (const email of Object.keys(world.users)) reader.append(new Option(email, email, email === session.user, email === session.user));
  reader.addEventListener("change", async () => {
    await actAs(reader.value);
    openStream();
    emit("world-changed");
  });
  await actAs(session.user);
  startClock();
  on("clock", showHeaderClock);
  on("stream-state", (state) => {
    $("stream-dot").className = state.connected ? "dot on" : "dot";
    $("stream-dot").title = state.connected ? `stream connected (${state.received} messages)` : "stream disconnected";
  });
  on("show-telemetry", () => showTab("telemetry"));
  on("world-reset", () => { clearJournalView(); openStream(); });
  initWorld();
  initTelemetry();
  initTraffic();
  initControl();
  openStream();
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  fill("fatal", `The dashboard could not start: ${error.message || error}`);
});
