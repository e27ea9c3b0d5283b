// The simulated clock as the page sees it: polled from /_sim/clock, interpolated between polls
// so the charts' time axis moves smoothly when the clock runs by itself.
import { sim } from "./api.js";
import { emit } from "./dom.js";

export const clock = { now: Date.now(), mode: "realtime", speed: 1, paused: false, polledAt: performance.now() };

/** Simulated time in epoch milliseconds, now. */
export function simNow() {
  const running = !clock.paused && (clock.mode === "realtime" || clock.mode === "scaled");
  return clock.now + (running ? (performance.now() - clock.polledAt) * clock.speed : 0);
}

export async function pollClock() {
  try {
    const answer = await sim("/clock");
    Object.assign(clock, { ...answer, now: Date.parse(answer.now), polledAt: performance.now() });
    emit("clock", clock);
  } catch { /* the server is away; the next poll retries */ }
}

export function startClock() {
  pollClock();
  setInterval(pollClock, 1000);
}
