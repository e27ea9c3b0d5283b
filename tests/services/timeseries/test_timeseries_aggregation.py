"""Property tests: sorted storage and every aggregation/frame size against naive references."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.services.timeseries.aggregation import AGGREGATIONS, FRAME_SECONDS, aggregate, frame_count
from simulator.services.timeseries.storage import Series
from tests.services.ingest.pipeline_helpers import naive, same

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a day boundary
SPAN = 3 * 86_400

times = st.one_of(
    st.integers(0, SPAN).map(lambda s: T0 + s),  # whole seconds: lands on frame boundaries often
    st.integers(0, SPAN * 1000).map(lambda ms: T0 + ms / 1000),
    st.integers(0, 900).map(lambda s: T0 + s),  # crowded: several points per small frame
    st.integers(0, 900 * 1000).map(lambda ms: T0 + ms / 1000),
)
numbers = st.one_of(st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False))
anything = st.one_of(numbers, st.booleans(), st.text(max_size=3), st.dictionaries(st.text(max_size=2), st.integers()))
point_lists = st.one_of(
    st.lists(st.tuples(times, numbers), max_size=60),
    st.lists(st.tuples(times, anything), max_size=60),
)
frame_sizes = st.sampled_from([None, *FRAME_SECONDS])


def build(points: list[tuple[float, Any]]) -> Series:
    series = Series()
    for t, v in points:
        series.append(t, v)
    return series


def bounds(data: st.DataObject, points: list[tuple[float, Any]]) -> tuple[float, float]:
    """A random range whose ends often sit exactly on stored times (the edge cases)."""
    ends = st.one_of(times, st.sampled_from([t for t, _ in points])) if points else times
    a, b = data.draw(ends), data.draw(ends)
    return (min(a, b), max(a, b)) if a != b else (a, a + 1)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(point_lists, st.data(), st.sampled_from(AGGREGATIONS), frame_sizes)
def test_aggregate_matches_naive_reference(
    points: list[tuple[float, Any]], data: st.DataObject, how: str, frame: str | None
) -> None:
    start, end = bounds(data, points)
    got = aggregate(build(points), start, end, how, frame)
    expected = naive(points, start, end, how, frame)
    assert [t for t, _ in got] == [t for t, _ in expected]
    assert all(same(x, y) for (_, x), (_, y) in zip(got, expected, strict=True)), (got, expected)


@given(point_lists, times, times, st.sampled_from(AGGREGATIONS))
def test_without_frame_size_exactly_one_result(points: list[tuple[float, Any]], a: float, b: float, how: str) -> None:
    start, end = min(a, b), max(a, b) + 1
    result = aggregate(build(points), start, end, how, None)
    assert len(result) == 1 and result[0][0] == start
    assert aggregate(None, start, end, how, None) == [(start, 0 if how == "count" else None)]


@given(times, st.integers(1, 5 * 86_400), st.sampled_from(list(FRAME_SECONDS)))
def test_frame_count_counts_aligned_frames(start: float, length: int, frame: str) -> None:
    size = FRAME_SECONDS[frame]
    end = start + length
    naive_count, at = 0, math.floor(start / size) * size
    while at < end:
        naive_count, at = naive_count + 1, at + size
    assert frame_count(start, end, size) == naive_count
    assert frame_count(end, start, size) == 0


@given(st.lists(st.tuples(times, st.integers()), max_size=80))
def test_series_stays_sorted_and_paired(points: list[tuple[float, int]]) -> None:
    series = build(points)
    assert list(zip(series.times, series.values, strict=True)) == sorted(points, key=lambda p: p[0])


@given(
    st.lists(st.tuples(times, st.integers()), max_size=80),
    st.one_of(st.none(), times),
    st.one_of(st.none(), times),
    st.integers(0, 100),
)
def test_series_range_reads_and_deletes(
    points: list[tuple[float, int]], start: float | None, end: float | None, limit: int
) -> None:
    series = build(points)
    ordered = sorted(points, key=lambda p: p[0])

    def inside(t: float) -> bool:
        return (start is None or t >= start) and (end is None or t <= end)

    wanted = [p for p in ordered if inside(p[0])]
    assert series.newest(start, end, limit) == list(reversed(wanted))[:limit]
    assert series.delete(start, end) == len(wanted)
    assert list(zip(series.times, series.values, strict=True)) == [p for p in ordered if not inside(p[0])]


def test_numeric_flag_tracks_plain_numbers() -> None:
    series = build([(T0, 1), (T0 + 1, 2.5)])
    assert series.numeric
    series.append(T0 + 2, True)
    assert not series.numeric
    assert aggregate(series, T0, T0 + 3, "sum", None) == [(T0, 4.5)]
    series.delete(None, None)
    assert series.numeric and len(series) == 0
