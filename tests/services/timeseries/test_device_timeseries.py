"""Device timeseries over HTTP: last hour, aggregated reads, deletes (manual clock)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.services.timeseries.aggregation import AGGREGATIONS, stamp
from simulator.testing import SimHandle
from tests.services.ingest.pipeline_helpers import TEMPERATURE, World, load, naive, same

START = "2026-01-01T00:00:00Z"  # the manual clock's start
T0 = 1_767_225_600.0
DEVICE_FRAMES = ("1m", "5m", "30m", "1h", "1d")


def aggregated(world: World, device: str, **params: Any) -> Any:
    return world.client.get(f"/devices/{device}/aggregated-timeseries", params={"path": TEMPERATURE, **params})


def last(world: World, device: str) -> list[dict[str, Any]]:
    response = world.client.get(f"/devices/{device}/last-timeseries", params={"path": TEMPERATURE})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_last_hour_window_follows_the_clock(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type())
    for minute in range(0, 90, 10):  # a point every 10 minutes, stamped by the clock
        assert world.ingest(device, {"temperature": minute}).status_code == 202
        olt_sim.advance(600)
    # now = 01:30; the last hour is [00:30, 01:30]
    assert [p["value"] for p in last(world, device)] == [80, 70, 60, 50, 40, 30]
    assert last(world, device)[0]["time"] == "2026-01-01T01:20:00.000Z"
    olt_sim.advance(3600 + 1200)
    assert last(world, device) == []


def test_last_hour_is_capped_at_4000_newest(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type())
    now = olt_sim.call(olt_sim.sim.clock.time)
    load(olt_sim, device, [(now - i * 0.5, i) for i in range(4500)])
    points = last(world, device)
    assert len(points) == 4000
    assert points[0]["value"] == 0 and points[-1]["value"] == 3999


def test_points_keep_their_own_time_order(world: World) -> None:
    device = world.device(world.device_type())
    for value, time in ((3, "2025-12-31T23:59:30Z"), (1, "2025-12-31T23:50:00Z"), (2, "2025-12-31T23:55:00Z")):
        world.ingest(device, {"temperature": value}, time=time)
    assert [p["value"] for p in last(world, device)] == [3, 2, 1]


def test_aggregated_frames_are_aligned_and_newest_first(world: World) -> None:
    device = world.device(world.device_type())
    for value, time in ((1, "2025-12-31T22:10:00Z"), (3, "2025-12-31T22:50:00Z"), (10, "2025-12-31T23:05:00Z")):
        world.ingest(device, {"temperature": value}, time=time)
    response = aggregated(
        world, device, startTime="2025-12-31T22:30:00Z", endTime=START, aggregation="sum", frameSize="1h"
    )
    assert response.status_code == 200
    assert response.json()["data"] == [
        {"time": "2025-12-31T23:00:00.000Z", "value": 10},
        {"time": "2025-12-31T22:00:00.000Z", "value": 3},  # aligned frame, only points inside the range
    ]
    whole = aggregated(world, device, startTime="2025-12-31T00:00:00Z", endTime=START, aggregation="mean")
    assert whole.json()["data"] == [{"time": "2025-12-31T00:00:00.000Z", "value": 14 / 3}]
    empty = aggregated(
        world, device, startTime="2020-01-01T00:00:00Z", endTime="2020-01-02T00:00:00Z", aggregation="count"
    )
    assert empty.json()["data"] == [{"time": "2020-01-01T00:00:00.000Z", "value": 0}]


@pytest.mark.parametrize(("frame", "seconds"), [("1m", 60), ("5m", 300), ("30m", 1800), ("1h", 3600), ("1d", 86400)])
def test_more_than_4000_frames_is_400(world: World, frame: str, seconds: int) -> None:
    device = world.device(world.device_type())
    end = stamp(T0 + 4000 * seconds)
    fits = aggregated(world, device, startTime=START, endTime=end, aggregation="max", frameSize=frame)
    assert fits.status_code == 200
    too_many = stamp(T0 + 4000 * seconds + 1)
    response = aggregated(world, device, startTime=START, endTime=too_many, aggregation="max", frameSize=frame)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "TOO_MANY_FRAMES"


def test_bad_ranges_and_unknown_device(world: World) -> None:
    device = world.device(world.device_type())
    backwards = aggregated(world, device, startTime=START, endTime="2025-01-01T00:00:00Z", aggregation="min")
    assert backwards.status_code == 400
    assert aggregated(world, device, startTime=START, endTime=START, aggregation="min").status_code == 400
    unknown = "123e4567-e89b-12d3-a456-426655440000"
    missing = aggregated(world, unknown, startTime="2025-01-01T00:00:00Z", endTime=START, aggregation="min")
    assert missing.status_code == 404


def test_delete_with_and_without_range(world: World) -> None:
    device = world.device(world.device_type())
    for minute in range(5):
        world.ingest(device, {"temperature": minute}, time=f"2025-12-31T23:5{minute}:00Z")
    url = f"/devices/{device}/timeseries"
    partial = world.client.delete(
        url, params={"path": TEMPERATURE, "startTime": "2025-12-31T23:51:00Z", "endTime": "2025-12-31T23:53:00Z"}
    )
    assert partial.status_code == 204
    assert [p["value"] for p in last(world, device)] == [4, 0]
    open_end = world.client.delete(url, params={"path": TEMPERATURE, "startTime": "2025-12-31T23:54:00Z"})
    assert open_end.status_code == 204
    assert [p["value"] for p in last(world, device)] == [0]
    assert world.client.delete(url, params={"path": TEMPERATURE}).status_code == 204
    assert last(world, device) == []


def test_deleting_the_device_forgets_its_timeseries(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type())
    world.ingest(device, {"temperature": 1})
    assert world.client.delete(f"/devices/{device}").status_code == 204
    assert olt_sim.call(lambda: olt_sim.sim.timeseries.series(olt_sim.tenant_id, device, TEMPERATURE)) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.integers(0, 2 * 86400), st.one_of(st.integers(-100, 100), st.booleans())), max_size=40),
    st.integers(0, 2 * 86400),
    st.integers(1, 2 * 86400),
    st.sampled_from(AGGREGATIONS),
    st.sampled_from([None, *DEVICE_FRAMES]),
)
def test_http_aggregation_matches_reference(
    world: World, olt_sim: SimHandle, raw: list[tuple[int, Any]], offset: int, length: int, how: str, frame: str | None
) -> None:
    device = world.device(world.device_type())
    points = [(T0 - 3 * 86400 + s, v) for s, v in raw]
    load(olt_sim, device, points)
    start, end = T0 - 3 * 86400 + offset, T0 - 3 * 86400 + offset + length
    params: dict[str, Any] = {"startTime": stamp(start), "endTime": stamp(end), "aggregation": how}
    if frame:
        params["frameSize"] = frame
    response = aggregated(world, device, **params)
    assert response.status_code == 200, response.text
    got = response.json()["data"]
    expected = naive(points, start, end, how, frame)
    assert [p["time"] for p in got] == [stamp(t) for t, _ in expected]
    assert all(same(p["value"], v) for p, (_, v) in zip(got, expected, strict=True)), (got, expected)
