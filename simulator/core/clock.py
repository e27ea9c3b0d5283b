"""The simulator's one clock: real time, scaled real time, or manual/stepped time.

Everything that needs "now" or delayed work asks this clock, so a manual clock makes whole
runs deterministic and a scaled one makes a day pass in minutes.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MODES = ("realtime", "scaled", "manual", "stepped")
DEFAULT_MANUAL_START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class _Timer:
    due: float
    seq: int
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """Simulated time as epoch seconds.

    realtime: follows the wall clock. scaled: runs `speed` times faster than the wall clock
    from the moment it was created. manual / stepped: only moves on `advance()` / `set()`
    (stepped runs jump to the next timer, see `step()`).
    """

    def __init__(
        self,
        mode: str = "realtime",
        speed: float = 1.0,
        start: datetime | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"clock mode must be one of {MODES}, not {mode!r}")
        self._wall = wall
        self.mode = mode
        self.speed = speed if mode == "scaled" else 1.0
        if start is None:
            start = DEFAULT_MANUAL_START if mode in ("manual", "stepped") else None
        self._anchor_sim = start.timestamp() if start else wall()
        self._anchor_wall = wall()
        self._timers: list[tuple[float, int, _Timer]] = []  # a heap; tuples compare in C (hot in stepped runs)
        self._seq = itertools.count()
        self._paused_mode: str | None = None  # the mode a paused clock resumes in

    @property
    def runs_by_itself(self) -> bool:
        return self.mode in ("realtime", "scaled")

    def time(self) -> float:
        """Simulated epoch seconds."""
        if not self.runs_by_itself:
            return self._anchor_sim
        return self._anchor_sim + (self._wall() - self._anchor_wall) * self.speed

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def set_speed(self, speed: float) -> None:
        """Change the scale factor without a jump in simulated time."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._anchor_sim, self._anchor_wall = self.time(), self._wall()
        self.speed = speed
        if self.mode == "realtime" and speed != 1.0:
            self.mode = "scaled"

    def pause(self) -> None:
        """Stop a running clock where it is (it behaves as a manual clock until `resume()`)."""
        if self.runs_by_itself:
            self._anchor_sim, self._paused_mode, self.mode = self.time(), self.mode, "manual"

    def resume(self) -> None:
        """A paused clock runs on from where it stopped, at its former speed."""
        if self._paused_mode is not None:
            self._anchor_wall, self.mode, self._paused_mode = self._wall(), self._paused_mode, None

    def advance(self, seconds: float) -> int:
        """Move simulated time forward and fire the timers that came due; returns how many fired."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        return self.set(self.time() + seconds)

    def set(self, epoch_seconds: float) -> int:
        target = max(epoch_seconds, self.time())
        fired = 0
        while self._timers and self._timers[0][0] <= target:
            timer = heapq.heappop(self._timers)[2]
            if timer.cancelled:
                continue
            self._jump(timer.due)
            timer.callback()
            fired += 1
        self._jump(target)
        return fired

    def reset_to(self, epoch_seconds: float) -> None:
        """Put simulated time at `epoch_seconds`, backwards too, firing nothing (a restored world).

        Pending timers belong to the world that is being replaced: the caller clears them first.
        """
        self._anchor_sim, self._anchor_wall = float(epoch_seconds), self._wall()

    def _jump(self, epoch_seconds: float) -> None:
        if epoch_seconds > self.time():
            self._anchor_sim, self._anchor_wall = epoch_seconds, self._wall()

    def call_at(self, epoch_seconds: float, callback: Callable[[], None]) -> _Timer:
        timer = _Timer(epoch_seconds, next(self._seq), callback)
        heapq.heappush(self._timers, (timer.due, timer.seq, timer))
        return timer

    def call_later(self, seconds: float, callback: Callable[[], None]) -> _Timer:
        return self.call_at(self.time() + seconds, callback)

    def next_due(self) -> float | None:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def run_due(self) -> int:
        """Fire timers due at the current time (the server's ticker calls this in real time)."""
        if self.runs_by_itself:
            return self.set(self.time())
        return self.set(self._anchor_sim)

    def step(self) -> bool:
        """Stepped mode: jump to the next timer and fire it; False when nothing is scheduled."""
        due = self.next_due()
        if due is None:
            return False
        self.set(due)
        return True

    def seconds_until_next(self) -> float | None:
        """Wall seconds until the next timer is due (for the real-time ticker)."""
        due = self.next_due()
        if due is None:
            return None
        return max(0.0, (due - self.time()) / self.speed)

    def clear_timers(self) -> None:
        self._timers.clear()

    def describe(self) -> dict[str, object]:
        return {"now": iso(self.now()), "mode": self.mode, "speed": self.speed, "paused": self._paused_mode is not None}


def iso(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, the way OLT writes times."""
    utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    return utc.isoformat(timespec="milliseconds")[:-6] + "Z"  # drop "+00:00"; faster than strftime


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 time (Z or offset, any fraction length) into an aware UTC datetime."""
    value = text.strip().replace("z", "Z")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if "." in value:
        head, _, rest = value.partition(".")
        digits = "".join(itertools.takewhile(str.isdigit, rest))
        value = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits) :]}"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def seconds(delta: timedelta) -> float:
    return delta.total_seconds()
