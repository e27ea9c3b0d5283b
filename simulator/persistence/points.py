"""Device timeseries points on disk as an append-only log of JSON lines.

A full world snapshot with a million points costs about a second; the points, though, mostly
grow at the end. Each save appends only the points added since the last one
(`[tenant, device, path, times, values, numeric]` per changed series); a change that is not an
append (a point inserted out of order, a deletion, a reset or restore) makes the next save
rewrite the whole log as a new generation instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from simulator.services.timeseries.storage import Series

Devices = dict[str, dict[str, dict[str, Series]]]
Key = tuple[str, str, str]


@dataclass
class PointsDelta:
    """What one save writes: all lines of a rewrite, or the lines to append."""

    rewrite: bool
    lines: list[list[Any]]
    points: int


@dataclass
class PointsTracker:
    #: series key -> (the Series object, points already on disk, its `rewrites` then)
    saved: dict[Key, tuple[Series, int, int]] = field(default_factory=dict)

    def delta(self, devices: Devices) -> PointsDelta:
        """The lines to write now (copies: a thread may encode them while the loop goes on)."""
        lines: list[list[Any]] = []
        matched, points, saved = 0, 0, self.saved
        for tenant_id, by_device in devices.items():
            for device_id, by_path in by_device.items():
                for path, series in by_path.items():
                    known = saved.get((tenant_id, device_id, path))
                    start = 0
                    if known is not None:
                        if known[0] is not series or known[2] != series.rewrites or len(series) < known[1]:
                            return self.everything(devices)
                        matched += 1
                        start = known[1]
                    if len(series) > start or known is None:
                        lines.append(
                            [tenant_id, device_id, path, series.times[start:], series.values[start:], series.numeric]
                        )
                        points += len(series) - start
        if matched < len(saved):  # a series went away (device deleted)
            return self.everything(devices)
        return PointsDelta(False, lines, points)

    def everything(self, devices: Devices) -> PointsDelta:
        lines = [
            [t, d, p, s.times[:], s.values[:], s.numeric]
            for t, by_device in devices.items()
            for d, by_path in by_device.items()
            for p, s in by_path.items()
        ]
        return PointsDelta(
            True,
            lines,
            sum(len(s) for by_device in devices.values() for by_path in by_device.values() for s in by_path.values()),
        )

    def saved_now(self, devices: Devices, delta: PointsDelta) -> None:
        """Record that `delta` reached the disk (called on the loop, right after `delta`)."""
        if delta.rewrite:
            self.saved.clear()
        for line in delta.lines:
            series = devices[line[0]][line[1]][line[2]]
            self.saved[(line[0], line[1], line[2])] = (series, len(series), series.rewrites)

    def track(self, devices: Devices) -> None:
        """Everything in `devices` is on disk (just loaded)."""
        self.saved = {
            (t, d, p): (s, len(s), s.rewrites)
            for t, by_device in devices.items()
            for d, by_path in by_device.items()
            for p, s in by_path.items()
        }


def _line(line: list[Any]) -> bytes:
    """orjson for speed; a value orjson cannot write exactly (an integer past 64 bits) goes through the
    standard library on a line marked `J`, so the reader knows which parser keeps it exact."""
    try:
        return orjson.dumps(line) + b"\n"
    except TypeError:
        return b"J" + json.dumps(line, separators=(",", ":")).encode() + b"\n"


def encode_lines(lines: list[list[Any]]) -> bytes:
    return b"".join(_line(line) for line in lines)


def read_lines(data: bytes) -> tuple[Devices, int]:
    """Series rebuilt from log bytes; ValueError on a damaged line."""
    devices: Devices = {}
    points = 0
    for number, raw in enumerate(data.splitlines(), 1):
        try:
            parsed = json.loads(raw[1:]) if raw[:1] == b"J" else orjson.loads(raw)
            tenant_id, device_id, path, times, values, numeric = parsed
        except (ValueError, TypeError) as exc:
            raise ValueError(f"line {number} is damaged ({exc})") from None
        if not (isinstance(times, list) and isinstance(values, list) and len(times) == len(values)):
            raise ValueError(f"line {number} is damaged (times and values differ)")
        by_path = devices.setdefault(tenant_id, {}).setdefault(device_id, {})
        series = by_path.get(path)
        if series is None:
            by_path[path] = Series(times, values, bool(numeric))
        else:
            series.times.extend(times)
            series.values.extend(values)
            series.numeric = series.numeric and bool(numeric)
        points += len(times)
    return devices, points
