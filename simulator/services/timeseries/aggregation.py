"""Aggregations over a sorted `Series`, frame by frame, without copying the whole series.

Frames are aligned to UTC epoch multiples of the frame size and half-open ([frame start,
frame start + size)); only points inside the requested [start, end) count. Frames without
points are left out. Without a frame size the whole range is one result stamped `start`.
`count`/`first`/`last` take any value; the numeric aggregations skip non-numbers and count
booleans as 0/1; `diff` is the last minus the first numeric value of the frame.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from simulator.core.clock import iso, parse_time
from simulator.core.errors import BadRequest
from simulator.services.timeseries.storage import Series

FRAME_SECONDS: dict[str, int] = {"1m": 60, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "1d": 86400}
AGGREGATIONS = ("min", "max", "mean", "sum", "count", "diff", "first", "last")
MAX_POINTS = 4000
LAST_WINDOW_SECONDS = 3600

Numbers = Sequence[float]


def _mean(values: Numbers) -> float:
    return sum(values) / len(values)


def _diff(values: Numbers) -> float:
    return values[-1] - values[0]


_NUMERIC: dict[str, Callable[[Numbers], Any]] = {
    "min": min,
    "max": max,
    "sum": sum,
    "mean": _mean,
    "diff": _diff,
}


def _numbers(values: Sequence[Any]) -> list[float]:
    """The frame's numeric values: numbers as they are, booleans as 0/1, everything else skipped."""
    found: list[float] = []
    for value in values:
        kind = type(value)
        if kind is bool:
            found.append(int(value))
        elif (kind is int or kind is float) and math.isfinite(value):
            found.append(value)
    return found


def reduce(series: Series, lo: int, hi: int, how: str) -> Any:
    """One aggregated value of the points lo..hi-1 (None when nothing usable is there)."""
    if how == "count":
        return hi - lo
    if how == "first":
        return series.values[lo] if hi > lo else None
    if how == "last":
        return series.values[hi - 1] if hi > lo else None
    chunk = series.values[lo:hi]  # only this frame's points
    numbers = chunk if series.numeric else _numbers(chunk)
    if not numbers:
        return None
    result = _NUMERIC[how](numbers)
    return None if isinstance(result, float) and not math.isfinite(result) else result


def frame_count(start: float, end: float, frame: int) -> int:
    """How many aligned frames the half-open range [start, end) touches."""
    if end <= start:
        return 0
    first = math.floor(start / frame) * frame
    return math.ceil((end - first) / frame)


def required_range(start_time: str, end_time: str) -> tuple[float, float]:
    """[start, end) of an aggregated read: both given, start before end."""
    start, end = parse_time(start_time).timestamp(), parse_time(end_time).timestamp()
    if end <= start:
        raise BadRequest("startTime must be before endTime", code="INVALID_TIME_RANGE")
    return start, end


def optional_range(start_time: str | None, end_time: str | None) -> tuple[float | None, float | None]:
    """[start, end] of a raw read or delete; a missing end is unbounded."""
    start, end = epoch(start_time), epoch(end_time)
    if start is not None and end is not None and end < start:
        raise BadRequest("startTime must not be after endTime", code="INVALID_TIME_RANGE")
    return start, end


def check_aggregation(how: str, frame_size: str | None) -> None:
    if how not in AGGREGATIONS:
        raise BadRequest(f"aggregation must be one of {', '.join(AGGREGATIONS)}")
    if frame_size is not None and frame_size not in FRAME_SECONDS:
        raise BadRequest(f"frameSize must be one of {', '.join(FRAME_SECONDS)}")


def aggregated_range(start_time: str, end_time: str, how: str, frame_size: str | None) -> tuple[float, float]:
    """[start, end) of an aggregated read (device, standalone or dump), its range checked, then its aggregation."""
    start, end = required_range(start_time, end_time)
    check_aggregation(how, frame_size)
    return start, end


def check_frames(start: float, end: float, frame_size: str | None, limit: int = MAX_POINTS) -> None:
    """Device reads refuse more than `limit` frames instead of truncating."""
    if frame_size is not None and frame_count(start, end, FRAME_SECONDS[frame_size]) > limit:
        raise BadRequest(
            f"The time range holds more than {limit} frames of {frame_size}; use a larger frameSize",
            code="TOO_MANY_FRAMES",
        )


def aggregate(
    series: Series | None, start: float, end: float, how: str, frame_size: str | None
) -> list[tuple[float, Any]]:
    """(frame start, value) pairs of [start, end), newest first."""
    if frame_size is None:
        if series is None:
            return [(start, 0 if how == "count" else None)]
        lo, hi = series.span(start, end, end_inclusive=False)
        return [(start, reduce(series, lo, hi, how))]
    if series is None:
        return []
    frame = FRAME_SECONDS[frame_size]
    times = series.times
    lo, hi = series.span(start, end, end_inclusive=False)
    frames: list[tuple[float, Any]] = []
    while lo < hi:
        frame_start = math.floor(times[lo] / frame) * frame
        upper = bisect_left(times, frame_start + frame, lo, hi)
        frames.append((float(frame_start), reduce(series, lo, upper, how)))
        lo = upper
    frames.reverse()
    return frames


def last_hour(series: Series | None, now: float, limit: int = MAX_POINTS) -> list[tuple[float, Any]]:
    """Raw points of [now - 1 h, now], newest first, at most `limit`."""
    if series is None:
        return []
    return series.newest(now - LAST_WINDOW_SECONDS, now, limit)


def epoch(text: str | None) -> float | None:
    """An API time string as epoch seconds (None stays None: an open range end)."""
    return None if text is None else parse_time(text).timestamp()


def stamp(epoch: float) -> str:
    """Epoch seconds as an API time string."""
    return iso(datetime.fromtimestamp(epoch, UTC))


def point(pair: tuple[float, Any], **extra: Any) -> dict[str, Any]:
    """A (time, value) pair as an API point, with `extra` fields (deviceId, path, timeseriesId)."""
    return {"time": stamp(pair[0]), "value": pair[1], **extra}


def points(pairs: list[tuple[float, Any]], **extra: Any) -> list[dict[str, Any]]:
    return [point(pair, **extra) for pair in pairs]
