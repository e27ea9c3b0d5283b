"""Durations and rates as scenario files write them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.scenario.units import format_duration, parse_duration, parse_rate


@given(st.integers(0, 100), st.integers(0, 59), st.integers(0, 59), st.integers(0, 999))
def test_compound_durations_add_up(hours: int, minutes: int, seconds: int, millis: int) -> None:
    text = f"{hours}h{minutes}m{seconds}s{millis}ms"
    assert parse_duration(text) == pytest.approx(hours * 3600 + minutes * 60 + seconds + millis / 1000)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), (90, 90), (1.5, 1.5), ("2d", 172800), ("1w", 604800), ("5 min", 300), ("0.5h", 1800), ("1H", 3600)],
)
def test_duration_forms(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "5 parsecs", "1h-5m", True, [], "-5s", -1])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "per_second"), [("6/h", 6 / 3600), ("1/5m", 1 / 300), ("0.5/min", 0.5 / 60), (2, 2.0)]
)
def test_rates(text: object, per_second: float) -> None:
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize("text", ["often", "1/0s", "x/h", "6 per hour", False])
def test_bad_rates(text: object) -> None:
    with pytest.raises(ValueError):
        parse_rate(text)


@given(st.integers(0, 10 * 86400))
def test_format_duration_round_trips(seconds: int) -> None:
    hours, minutes, secs = (int(p) for p in format_duration(seconds).split(":"))
    assert hours * 3600 + minutes * 60 + secs == seconds
