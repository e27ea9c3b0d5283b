// World: the tenant, its users and roles, device types with their schemas, and the devices
// (filtered and paged with the API's own parameters) with one device's full picture.
import { all, api, sim } from "./api.js";
import { $, badge, el, emit, errorText, fill, on, onlineBadge, pretty, shortTime, table } from "./dom.js";

export const deviceTypes = new Map(); // id -> device type
const listing = { page: 0, pageSize: 20, pagesTotal: 1 };
let selected = null;

export function typeName(id) {
  return deviceTypes.has(id) ? deviceTypes.get(id).name : id;
}

async function loadPeople() {
  try {
    const world = (await sim("/world")).world;
    const tenant = (await api(`/tenants/${world.tenantId}`)).data;
    const users = (await api(`/tenants/${world.tenantId}/users`)).data;
    const roles = await all("/roles");
    fill("tenant", el("div", { class: "kv" },
      el("span", {}, "Tenant"), el("b", {}, tenant.name),
      el("span", {}, "Id"), el("code", {}, tenant.id)));
    fill("users", table(["User", "Roles"], users.map((u) => el("tr", {},
      el("td", {}, `${u.firstName || ""} ${u.lastName || ""}`.trim(), el("div", { class: "muted" }, u.email)),
      el("td", {}, (u.userRoles || []).map((r) => badge(r.name)))))));
    fill("roles", table(["Role", "Users", "Permissions"], roles.map((r) => el("tr", { title: r.description || "" },
      el("td", {}, r.displayName || r.name, r.locked ? el("span", { class: "muted" }, " (built in)") : ""),
      el("td", { class: "num" }, r.usersCount ?? ""),
      el("td", { class: "num" }, (r.permissionIds || []).length)))));
  } catch (error) {
    fill("users", el("p", { class: "error" }, errorText(error)));
  }
}

async function loadDeviceTypes() {
  try {
    const types = await all("/device-types");
    deviceTypes.clear();
    for (const type of types) deviceTypes.set(type.id, type);
    const filter = $("filter-type");
    const chosen = filter.value;
    fill(filter, el("option", { value: "" }, "any type"),
      types.map((t) => el("option", { value: t.id, selected: t.id === chosen }, t.name)));
    fill("device-types", types.map((t) => el("details", { class: "type" },
      el("summary", {}, el("b", {}, t.name), " ", el("span", { class: "muted" }, [t.manufacturer, t.model].filter(Boolean).join(" "))),
      el("div", { class: "muted" }, "id ", el("code", {}, t.id)),
      el("pre", {}, pretty({ schema: t.schema, reportingRules: t.reportingRules, categories: t.categories })))));
  } catch (error) {
    fill("device-types", el("p", { class: "error" }, errorText(error)));
  }
}

function filters() {
  const value = (id) => $(id).value.trim();
  return {
    deviceName: value("filter-name"), deviceTag: value("filter-tag"), deviceTypeId: value("filter-type"),
    deviceAlias: value("filter-alias"), deviceConnectedBy: value("filter-connected"), deviceId: value("filter-id"),
  };
}

export async function loadDevices() {
  try {
    const answer = await api("/devices", { query: { ...filters(), page: listing.page, pageSize: listing.pageSize } });
    const meta = answer.meta || {};
    listing.pagesTotal = Math.max(1, meta.pagesTotal || 1);
    const ids = answer.data.map((d) => d.id);
    const states = new Map();
    if (ids.length) {
      const found = await api("/devices/state", { query: { deviceId: ids, pageSize: ids.length } });
      for (const state of found.data) states.set(state.deviceId, state);
    }
    const total = meta.itemsTotal ?? answer.data.length;
    fill("device-count", `${total} device${total === 1 ? "" : "s"} · page ${listing.page + 1} of ${listing.pagesTotal}`);
    $("page-prev").disabled = listing.page === 0;
    $("page-next").disabled = listing.page + 1 >= listing.pagesTotal;
    fill("devices", table(["Name", "Type", "Tags", "Status", "Last seen"], answer.data.map((device) => {
      const state = states.get(device.id) || {};
      return el("tr", { class: device.id === selected ? "selected" : "", dataset: { deviceId: device.id },
        onclick: () => selectDevice(device.id) },
      el("td", {}, device.info.name, device.info.connectedBy ? el("span", { class: "muted" }, " via gateway") : ""),
      el("td", {}, typeName(device.info.deviceTypeId)),
      el("td", {}, (device.info.tags || []).map((t) => badge(t))),
      el("td", {}, onlineBadge(state.online)),
      el("td", {}, shortTime(state.lastSeen)));
    }), { class: "clickable" }));
  } catch (error) {
    fill("devices", el("p", { class: "error" }, errorText(error)));
  }
}

export async function selectDevice(id) {
  selected = id;
  for (const row of document.querySelectorAll("#devices tr[data-device-id]")) {
    row.classList.toggle("selected", row.dataset.deviceId === id);
  }
  emit("device-selected", id);
  await showDevice();
}

function section(title, ...content) {
  return el("section", { class: "sub" }, el("h4", {}, title), ...content);
}

function kv(entries) {
  return el("div", { class: "kv" }, entries.flatMap(([k, v]) => [el("span", {}, k), el("span", {}, v)]));
}

async function showDevice() {
  if (!selected) return;
  const id = selected;
  try {
    const [device, state, certificates, monitoring, children] = await Promise.all([
      api(`/devices/${id}`), api(`/devices/${id}/state`), api(`/devices/${id}/certificates`),
      api(`/devices/${id}/onlinemonitoring`), api("/devices", { query: { deviceConnectedBy: id, pageSize: 100 } }),
    ]);
    if (id !== selected) return;
    const info = device.data.info;
    const s = state.data;
    fill("device-detail",
      el("h3", {}, info.name, " ", onlineBadge(s.online)),
      kv([["Id", el("code", {}, id)], ["Type", typeName(info.deviceTypeId)],
        ["Tags", (info.tags || []).map((t) => badge(t))], ["Aliases", (info.aliases || []).map((a) => badge(a, "alias"))],
        ["Gateway", info.connectedBy ? el("a", { href: "#", onclick: (e) => { e.preventDefault(); selectDevice(info.connectedBy); } }, info.connectedBy) : "—"],
        ["Last seen", shortTime(s.lastSeen)],
        ["Monitoring", monitoring.data.effectiveCommunicationInterval ? `every ${monitoring.data.effectiveCommunicationInterval} s` : "off"]]),
      el("div", { class: "actions" },
        el("button", { id: "to-telemetry", onclick: () => { emit("show-telemetry", id); } }, "Telemetry and act as this device →")),
      section("Reported state (attributes)", el("pre", { id: "device-attributes" }, pretty(s.attributes))),
      el("div", { class: "two" },
        section("Desired configuration", el("pre", {}, pretty(device.data.configuration))),
        section("Reported configuration", el("pre", {}, pretty(s.configuration)))),
      section(`Certificates (${certificates.data.length})`, certificates.data.length ? table(["Subject", "Status", "Valid to", "Fingerprint"],
        certificates.data.map((c) => el("tr", {}, el("td", {}, c.subject || ""), el("td", {}, badge(c.status, c.status === "valid" ? "ok" : "bad")),
          el("td", {}, shortTime(c.validTo)), el("td", {}, el("code", { title: c.fingerprint || "" }, (c.fingerprint || "").slice(0, 16) + "…"))))) : el("p", { class: "muted" }, "none")),
      section(`Gateway children (${children.data.length})`, children.data.length ? [
        el("button", { type: "button", onclick: () => listChildren(id) }, "List them (deviceConnectedBy filter)"),
        el("ul", {}, children.data.map((c) => el("li", {},
          el("a", { href: "#", onclick: (e) => { e.preventDefault(); selectDevice(c.id); } }, c.info.name))))] : el("p", { class: "muted" }, "none")),
      section("Custom", el("pre", {}, pretty(device.data.custom))));
  } catch (error) {
    fill("device-detail", el("p", { class: "error" }, errorText(error)));
  }
}

function listChildren(gatewayId) {
  for (const id of ["filter-name", "filter-tag", "filter-type", "filter-alias", "filter-id"]) $(id).value = "";
  $("filter-connected").value = gatewayId;
  listing.page = 0;
  loadDevices();
}

let refreshTimer = null;
function refreshSelectedSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(showDevice, 150);
}

export function initWorld() {
  $("device-filters").addEventListener("submit", (event) => { event.preventDefault(); listing.page = 0; loadDevices(); });
  $("page-prev").addEventListener("click", () => { listing.page = Math.max(0, listing.page - 1); loadDevices(); });
  $("page-next").addEventListener("click", () => { listing.page += 1; loadDevices(); });
  on("stream-message", (message) => { if (message.deviceId === selected) refreshSelectedSoon(); });
  on("world-changed", () => { loadDeviceTypes().then(loadDevices); refreshSelectedSoon(); });
  on("world-reset", () => { selected = null; fill("device-detail", el("p", { class: "muted" }, "Select a device.")); loadAll(); });
  loadAll();
}

async function loadAll() {
  await Promise.all([loadPeople(), loadDeviceTypes()]);
  await loadDevices();
}
