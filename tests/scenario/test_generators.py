"""Generators stay within their bounds, keep their state, and depend only on their stream."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.scenario import schema
from simulator.scenario.generators import geo_point, make_generator

HERE = Path(".")


def draws(spec: schema.GeneratorSpec, count: int = 200, seed: int = 1, **env: Any) -> list[Any]:
    generator = make_generator(spec, random.Random(seed), HERE)
    values = []
    for step in range(count):
        context = {"t": step * 60.0, "now": 1_700_000_000 + step * 60.0, **env}
        values.append(generator.next(context))
    return values


@given(st.floats(-1e6, 1e6), st.floats(0, 1e6), st.integers(0, 2**32))
@settings(max_examples=50)
def test_random_stays_in_range(low: float, width: float, seed: int) -> None:
    values = draws(schema.RandomSpec(min=low, max=low + width), 50, seed)
    assert all(low <= v <= low + width for v in values)


def test_random_integers_are_integers() -> None:
    values = draws(schema.RandomSpec(min=1, max=6, integer=True), 300)
    assert set(values) == {1, 2, 3, 4, 5, 6}


@given(
    st.floats(-100, 100),
    st.floats(0.1, 50),
    st.floats(0.01, 5),
    st.floats(0, 0.5),
    st.floats(0, 0.5),
    st.integers(0, 1000),
)
@settings(max_examples=50)
def test_walk_stays_within_bounds(low: float, width: float, step: float, up: float, down: float, seed: int) -> None:
    spec = schema.WalkSpec(min=low, max=low + width, step=step, p_up=up, p_down=down)
    values = draws(spec, 100, seed)
    assert all(low <= v <= low + width for v in values)
    assert all(abs(b - a) <= step + 1e-9 for a, b in itertools.pairwise(values))


def test_walk_starts_where_told_and_resumes_from_a_reset() -> None:
    generator = make_generator(schema.WalkSpec(min=0, max=100, start=50, step=1), random.Random(3), HERE)
    assert generator.next({"t": 0}) == 50
    generator.reset(10, {"t": 60})
    assert abs(generator.next({"t": 60}) - 10) <= 1


def test_counter_counts_and_wraps() -> None:
    assert draws(schema.CounterSpec(start=5, step=5, max=15), 6) == [5, 10, 15, 5, 10, 15]


def test_choice_respects_weights() -> None:
    values = draws(schema.ChoiceSpec(values=("a", "b"), weights=(1.0, 0.0)), 50)
    assert set(values) == {"a"}
    assert set(draws(schema.ChoiceSpec(values=("x", "y", "z")), 200)) == {"x", "y", "z"}


def test_cycle_peaks_at_its_peak_time_within_its_amplitude() -> None:
    spec = schema.CycleSpec(mean=20, amplitude=5, period=86400, peak=15 * 3600)
    generator = make_generator(spec, random.Random(1), HERE)
    day = 1_700_006_400 - 1_700_006_400 % 86400
    assert generator.next({"now": day + 15 * 3600}) == pytest.approx(25)
    assert generator.next({"now": day + 3 * 3600}) == pytest.approx(15)
    noisy = draws(schema.CycleSpec(mean=20, amplitude=5, noise=0.5, min=16, max=24), 500)
    assert all(16 <= v <= 24 for v in noisy)


def test_decay_halves_per_half_life_and_restarts_when_set() -> None:
    generator = make_generator(schema.DecaySpec(start=100, end=0, half_life=3600), random.Random(1), HERE)
    assert generator.next({"t": 0.0}) == pytest.approx(100)
    assert generator.next({"t": 3600.0}) == pytest.approx(50)
    assert generator.next({"t": 7200.0}) == pytest.approx(25)
    generator.reset(80, {"t": 7200.0})
    assert generator.next({"t": 10800.0}) == pytest.approx(40)


def test_expression_reads_time_and_other_attributes() -> None:
    values = draws(schema.ExpressionSpec(expr="brightness * 0.5 + t / 60", decimals=1), 3, brightness=40)
    assert values == [20.0, 21.0, 22.0]


def test_decimals_round_and_zero_decimals_give_integers() -> None:
    assert all(v == round(v, 2) for v in draws(schema.RandomSpec(min=0, max=1, decimals=2), 50))
    assert all(isinstance(v, int) for v in draws(schema.RandomSpec(min=0, max=10, decimals=0), 50))
    assert all(isinstance(v, int) for v in draws(schema.RandomSpec(min=0, max=10, decimals=-1), 50))
    assert draws(schema.CounterSpec(start=1, step=1, decimals=2), 3) == [1, 2, 3]  # only floats are rounded


def test_fixed_is_drawn_once_per_device() -> None:
    assert set(draws(schema.FixedSpec(min=0, max=10), 20)) == {draws(schema.FixedSpec(min=0, max=10), 1)[0]}
    assert draws(schema.FixedSpec(value="v1"), 3) == ["v1"] * 3
    firsts = {draws(schema.FixedSpec(values=("a", "b", "c")), 1, seed)[0] for seed in range(30)}
    assert firsts == {"a", "b", "c"}


@given(st.floats(-80, 80), st.floats(-179, 179), st.floats(0, 5000), st.integers(0, 10_000))
@settings(max_examples=100)
def test_geo_points_lie_within_the_radius(lat: float, lon: float, radius: float, seed: int) -> None:
    spec = schema.GeoSpec(latitude=lat, longitude=lon, radius=radius)
    point = geo_point(spec, random.Random(seed))
    dlat = math.radians(point["latitude"] - lat)
    dlon = math.radians(point["longitude"] - lon)
    cosines = math.cos(math.radians(lat)) * math.cos(math.radians(point["latitude"]))
    a = math.sin(dlat / 2) ** 2 + cosines * math.sin(dlon / 2) ** 2
    distance = 2 * 6_371_000 * math.asin(math.sqrt(a))
    assert distance <= radius * 1.01 + 0.05  # + rounding to 7 decimals (~1 cm)


def test_geo_moving_redraws_and_fixed_does_not() -> None:
    assert len({str(v) for v in draws(schema.GeoSpec(latitude=48, longitude=11, radius=100), 5)}) == 1
    assert len({str(v) for v in draws(schema.GeoSpec(latitude=48, longitude=11, radius=100, moving=True), 5)}) == 5


def test_csv_replays_rows_or_times(tmp_path: Path) -> None:
    (tmp_path / "series.csv").write_text("offset,value,label\n0,1.5,a\n60,2,b\n120,3.25,c\n")
    by_row = make_generator(schema.CsvSpec(file="series.csv", column="value"), random.Random(1), tmp_path)
    assert [by_row.next({"t": 0}) for _ in range(4)] == [1.5, 2, 3.25, 1.5]
    no_loop = make_generator(schema.CsvSpec(file="series.csv", column="label", loop=False), random.Random(1), tmp_path)
    assert [no_loop.next({"t": 0}) for _ in range(4)] == ["a", "b", "c", "c"]
    by_time = make_generator(
        schema.CsvSpec(file="series.csv", column="value", time_column="offset"), random.Random(1), tmp_path
    )
    assert [by_time.next({"t": t}) for t in (0, 59, 60, 130, 150)] == [1.5, 1.5, 2, 1.5, 1.5]


def test_the_same_stream_gives_the_same_values() -> None:
    spec = schema.WalkSpec(min=0, max=10, step=0.5)
    assert draws(spec, 100, seed=9) == draws(spec, 100, seed=9)
    assert draws(spec, 100, seed=9) != draws(spec, 100, seed=10)
