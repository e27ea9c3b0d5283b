"""Sorted point storage made for range queries.

A `Series` keeps two parallel plain lists (epoch seconds, values) sorted by time, so a range
read is two bisections plus the k points inside (O(log n + k)), appends in time order are O(1),
and the whole thing snapshots as ordinary lists.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Series:
    times: list[float] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    #: True while every stored value is a plain int/float (no bool): aggregation may skip type checks.
    numeric: bool = True
    #: Counts changes other than appends at the end (inserts, deletes): persistence appends only
    #: new tail points to its log while this stays the same, and rewrites the log when it moves.
    rewrites: int = field(default=0, compare=False)

    def __len__(self) -> int:
        return len(self.times)

    def append(self, time: float, value: Any) -> None:
        """Insert keeping time order; a point at an existing time goes after it (stable)."""
        times = self.times
        if not times or time >= times[-1]:
            times.append(time)
            self.values.append(value)
        else:
            at = bisect_right(times, time)
            times.insert(at, time)
            self.values.insert(at, value)
            self.rewrites += 1
        if self.numeric:
            kind = type(value)  # a plain int or finite float (no bool); inline: every point comes here
            if not (kind is int or (kind is float and math.isfinite(value))):
                self.numeric = False

    def span(self, start: float | None, end: float | None, *, end_inclusive: bool = True) -> tuple[int, int]:
        """Index range [lo, hi) of the points with start <= time <= end (or < end)."""
        times = self.times
        lo = 0 if start is None else bisect_left(times, start)
        if end is None:
            return lo, len(times)
        hi = bisect_right(times, end) if end_inclusive else bisect_left(times, end)
        return lo, max(lo, hi)

    def newest(self, start: float | None, end: float | None, limit: int) -> list[tuple[float, Any]]:
        """At most `limit` points of [start, end], newest first."""
        lo, hi = self.span(start, end)
        lo = max(lo, hi - limit)
        return [(self.times[i], self.values[i]) for i in range(hi - 1, lo - 1, -1)]

    def delete(self, start: float | None, end: float | None) -> int:
        """Remove the points of [start, end] (open ends = unbounded); returns how many went."""
        lo, hi = self.span(start, end)
        del self.times[lo:hi]
        del self.values[lo:hi]
        self.rewrites += 1
        if not self.times:
            self.numeric = True
        return hi - lo
