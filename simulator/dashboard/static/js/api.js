// Everything the dashboard knows comes through these two doors: the public API (/v1, with a
// minted bearer token, like any client) and the control API (/_sim). No server-side rendering.

const CONTROL_KEY = "olt-sim-control-token";

/** An optional control token (`olt-sim serve --control-token`): from `#control-token=...` or a prompt. */
function controlToken() {
  const match = location.hash.match(/control-token=([^&]+)/);
  if (match) {
    sessionStorage.setItem(CONTROL_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(CONTROL_KEY);
}

export class ApiError extends Error {
  constructor(status, body) {
    const message = body && body.errorMessage ? body.errorMessage : `HTTP ${status}`;
    super(`${status}: ${message}`);
    this.status = status;
    this.body = body;
  }
}

async function parse(response) {
  const text = await response.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return text; }
}

/** A /_sim call. JSON bodies are always sent as application/json (the control API refuses others). */
export async function sim(path, { method = "GET", body, raw = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let token = controlToken();
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`/_sim${path}`, {
      method, headers, body: body === undefined ? undefined : (typeof body === "string" ? body : JSON.stringify(body)),
    });
    if (response.status === 401 && attempt === 0) {
      token = window.prompt("This simulator needs its control token (olt-sim serve --control-token):");
      if (!token) throw new ApiError(401, await parse(response));
      sessionStorage.setItem(CONTROL_KEY, token);
      continue;
    }
    if (raw) return response;
    const parsed = await parse(response);
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed;
  }
  throw new ApiError(401, null);
}

/** Who the dashboard reads the API as; a token minted through /_sim/tokens. */
export const session = { user: "owner@example.com", token: null };

export async function mint(subject) {
  const body = subject.includes("@") ? { user: subject } : { clientId: subject };
  return (await sim("/tokens", { method: "POST", body })).access_token;
}

export async function actAs(user) {
  session.token = await mint(user);
  session.user = user;
}

/** Requests this page sent ("METHOD path?query" -> how many): Traffic can tell them from your app's. */
export const ownRequests = new Map();

export function requestKey(method, path, query) {
  return `${method} ${path}${query ? `?${query}` : ""}`;
}

/** A /v1 call as `session.user`. `query` values that are arrays repeat the parameter (the API's filters). */
export async function api(path, { method = "GET", body, query } = {}) {
  if (!session.token) await actAs(session.user);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    for (const item of [].concat(value)) if (item !== undefined && item !== null && item !== "") params.append(key, item);
  }
  const url = `/v1${path}${params.size ? `?${params}` : ""}`;
  const key = requestKey(method, decodeURIComponent(`/v1${path}`), params.toString());
  ownRequests.set(key, (ownRequests.get(key) || 0) + 1);
  const send = () => {
    const headers = { Authorization: `Bearer ${session.token}`, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  };
  let response = await send();
  if (response.status === 401) { // a restored snapshot or a new realm key: mint again, once
    await actAs(session.user);
    response = await send();
  }
  const parsed = await parse(response);
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** Every page of a list operation (bounded: a dashboard list is for looking, not for exporting). */
export async function all(path, query = {}, maxPages = 10) {
  const items = [];
  for (let page = 0; page < maxPages; page += 1) {
    const answer = await api(path, { query: { ...query, page, pageSize: 100 } });
    items.push(...answer.data);
    const meta = answer.meta || {};
    if (meta.pagesTotal === undefined || page + 1 >= meta.pagesTotal) break;
  }
  return items;
}
