// One live WebSocket stream for the whole tenant, opened the way any client opens it
// (POST /v1/devices/streaming-connections, then connect to the URL it returns); every message is
// re-emitted on the dashboard bus as "stream-message". Reconnects after a drop.
import { api } from "./api.js";
import { emit } from "./dom.js";

let socket = null;

export const streamState = { connected: false, received: 0 };

/** Open (or reopen, with a fresh token: after a reset or as another user) the stream. */
export async function openStream() {
  const old = socket;
  socket = null;
  if (old) old.close();
  try {
    const answer = await api("/devices/streaming-connections", { method: "POST", body: { type: "live", filter: {} } });
    const given = new URL(answer.data.url);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}${given.pathname}${given.search}`);
  } catch {
    setTimeout(openStream, 3000);
    return;
  }
  const current = socket;
  current.onopen = () => { streamState.connected = true; emit("stream-state", streamState); };
  current.onmessage = (message) => {
    streamState.received += 1;
    try { emit("stream-message", JSON.parse(message.data)); } catch { /* not JSON: ignore */ }
  };
  current.onclose = () => {
    streamState.connected = false;
    emit("stream-state", streamState);
    if (socket === current) setTimeout(openStream, 2000);
  };
}

