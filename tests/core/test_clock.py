from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.clock import DEFAULT_MANUAL_START, Clock, iso, parse_time


class FakeWall:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_manual_clock_only_moves_on_advance() -> None:
    clock = Clock("manual")
    start = clock.time()
    assert clock.now() == DEFAULT_MANUAL_START
    clock.advance(90)
    assert clock.time() == start + 90


def test_scaled_clock_runs_faster_than_the_wall() -> None:
    wall = FakeWall()
    clock = Clock("scaled", speed=60, wall=wall)
    before = clock.time()
    wall.now += 10
    assert clock.time() == pytest.approx(before + 600)
    clock.set_speed(1)
    wall.now += 10
    assert clock.time() == pytest.approx(before + 610)


def test_timers_fire_in_order_at_their_time() -> None:
    clock = Clock("manual")
    fired: list[tuple[str, float]] = []
    clock.call_later(30, lambda: fired.append(("b", clock.time())))
    clock.call_later(10, lambda: fired.append(("a", clock.time())))
    cancelled = clock.call_later(20, lambda: fired.append(("x", clock.time())))
    cancelled.cancel()
    assert clock.advance(25) == 1
    assert clock.advance(10) == 1
    start = DEFAULT_MANUAL_START.timestamp()
    assert fired == [("a", start + 10), ("b", start + 30)]


def test_stepped_clock_jumps_to_the_next_timer() -> None:
    clock = Clock("stepped")
    seen: list[float] = []
    clock.call_later(3600, lambda: seen.append(clock.time()))
    assert clock.step() is True
    assert seen == [DEFAULT_MANUAL_START.timestamp() + 3600]
    assert clock.step() is False


def test_time_never_moves_backwards() -> None:
    clock = Clock("manual")
    with pytest.raises(ValueError):
        clock.advance(-1)


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)))
def test_iso_round_trips_to_the_millisecond(moment: datetime) -> None:
    text = iso(moment)
    assert text.endswith("Z")
    back = parse_time(text)
    assert abs((back - moment).total_seconds()) < 0.001


def test_parse_time_accepts_the_forms_clients_send() -> None:
    expected = datetime(2018, 7, 7, 11, 50, 12, tzinfo=UTC)
    assert parse_time("2018-07-07T11:50:12+00:00") == expected
    assert parse_time("2018-07-07T11:50:12Z") == expected
    assert parse_time("2015-08-04T19:05:14.318570484Z").microsecond == 318570
    assert parse_time("2018-07-07T13:50:12+02:00") == expected


def test_a_paused_clock_stands_still_and_resumes_where_it_stopped() -> None:
    wall = FakeWall()
    clock = Clock("scaled", speed=10, wall=wall)
    start = clock.time()
    wall.now += 5
    clock.pause()
    assert clock.describe()["paused"] is True and not clock.runs_by_itself
    wall.now += 100
    assert clock.time() == start + 50
    clock.resume()
    wall.now += 1
    assert clock.time() == start + 60 and clock.describe() == {**clock.describe(), "mode": "scaled", "paused": False}


def test_pausing_a_manual_clock_changes_nothing() -> None:
    clock = Clock("manual")
    clock.pause()
    clock.resume()
    assert clock.describe()["paused"] is False and clock.mode == "manual"
