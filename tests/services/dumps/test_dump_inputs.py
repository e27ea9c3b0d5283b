"""The dumps backend takes typed inputs: a Python call answers what the same request over HTTP answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from simulator.core.errors import BadRequest
from simulator.services.devices.filters import DeviceFilter
from simulator.services.dumps.inputs import Aggregation, DataFilter
from simulator.services.timeseries.inputs import NewDataPoint, TimeseriesSelection
from simulator.testing import SimHandle
from tests.services.dumps.test_timeseries_dumps import fill
from tests.services.ingest.pipeline_helpers import TEMPERATURE, World

START, END = "2025-12-31T23:00:00Z", "2026-01-01T00:00:00Z"
WINDOW = {"startTime": START, "endTime": END}


def both_ways(
    world: World, olt_sim: SimHandle, route: str, body: dict[str, Any], create: Callable[[], dict[str, str]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(content of the dump requested over HTTP, content of the one requested in-process), once ready."""
    over_http = world.client.post(route, json=body)
    assert over_http.status_code == 202, over_http.text
    in_process = olt_sim.call(create)
    olt_sim.advance(1)
    contents = []
    for dump in (over_http.json()["data"], in_process):
        response = world.client.get(f"{route}/{dump['id']}")
        assert response.status_code == 200, response.text
        contents.append(response.json())
    return contents[0], contents[1]


def test_device_dumps_from_python_equal_those_over_http(world: World, olt_sim: SimHandle) -> None:
    type_id = world.device_type()
    kitchen, hall = world.device(type_id, "kitchen", tags=["Ground"]), world.device(type_id, "hall", tags=["top"])
    fill(world, kitchen, [1, 2, 3])
    fill(world, hall, [10, 20], 30)
    sim, tenant = olt_sim.sim, olt_sim.tenant_id

    raw_body: dict[str, Any] = {
        "dataFilter": {"startTime": START, "path": [TEMPERATURE]},
        "deviceFilter": {"deviceTag": ["GROUND"]},
    }
    data_filter, device_filter = DataFilter(start_time=START, paths=[TEMPERATURE]), DeviceFilter(tags=["ground"])
    assert (DataFilter.from_api(raw_body["dataFilter"]), DeviceFilter.from_api(raw_body["deviceFilter"])) == (
        DataFilter(start_time=START, paths=(TEMPERATURE,)),
        device_filter,
    )
    http, python = both_ways(
        world,
        olt_sim,
        "/devices/timeseries-dump",
        raw_body,
        lambda: sim.dumps.create_devices_timeseries_dump(tenant, data_filter, device_filter),
    )
    assert python == http and [p["value"] for p in http] == [3, 2, 1]

    aggregated_body = {
        "dataFilter": WINDOW,
        "params": {"aggregation": "sum", "frameSize": "30m"},
        "deviceFilter": {"deviceTypeId": [type_id]},
    }
    by_type, aggregation = DeviceFilter(type_ids=[type_id]), Aggregation("sum", "30m")
    http, python = both_ways(
        world,
        olt_sim,
        "/devices/aggregated-timeseries-dump",
        aggregated_body,
        lambda: sim.dumps.create_devices_aggregated_timeseries_dump(
            tenant, DataFilter(START, END), by_type, aggregation
        ),
    )
    assert python == http and [(p["deviceId"], p["value"]) for p in http] == [(hall, 30), (kitchen, 6)]


def test_standalone_dumps_from_python_equal_those_over_http(world: World, olt_sim: SimHandle) -> None:
    sim, tenant = olt_sim.sim, olt_sim.tenant_id
    ids = []
    for name, kind in (("a", "power"), ("b", "water")):
        created = world.client.post("/timeseries", json={"name": name, "dataType": {}, "metadata": {"kind": kind}})
        ids.append(created.json()["data"]["id"])
    points = [NewDataPoint(value, f"2025-12-31T23:{minute}:00Z") for minute, value in (("10", 1), ("40", 5))]

    def add_points() -> None:
        for ts in ids:
            sim.timeseries.standalone.create_timeseries_data_points(tenant, ts, points)

    olt_sim.call(add_points)
    power = TimeseriesSelection(metadata={"kind": "power"})
    assert TimeseriesSelection.from_api({"metadata": {"kind": "power"}}) == power

    def requested(body: dict[str, Any], create: Callable[[], dict[str, str]]) -> list[list[dict[str, Any]]]:
        over_http = world.client.post(body.pop("route"), json=body)
        assert over_http.status_code == 202, over_http.text
        in_process = olt_sim.call(create)
        olt_sim.advance(1)
        files = []
        for request in (over_http.json()["data"], in_process):
            status = world.client.get(f"/timeseries/requests/{request['id']}").json()["data"]
            files.append(world.client.get(f"/timeseries/files/{status['fileId']}").json())
        return files

    http, python = requested(
        {
            "route": "/timeseries/dump",
            "dataFilter": WINDOW,
            "timeseriesFilter": {"metadata": {"kind": "power"}},
        },
        lambda: sim.dumps.create_timeseries_dump(tenant, DataFilter(START, END), power),
    )
    assert python == http and [(p["timeseriesId"], p["value"]) for p in http] == [(ids[0], 5), (ids[0], 1)]
    http, python = requested(
        {
            "route": "/timeseries/aggregated-dump",
            "dataFilter": WINDOW,
            "timeseriesFilter": {"timeseriesIds": [ids[1]]},
            "params": {"aggregation": "max"},
        },
        lambda: sim.dumps.create_timeseries_aggregated_dump(
            tenant, DataFilter(START, END), TimeseriesSelection(ids=[ids[1]]), Aggregation("max")
        ),
    )
    assert python == http and [(p["timeseriesId"], p["value"]) for p in http] == [(ids[1], 5)]


@pytest.mark.parametrize(
    "data_filter",
    [DataFilter(), DataFilter(start_time=START), DataFilter(end_time=END)],
    ids=["none", "no end", "no start"],
)
def test_an_aggregated_dump_without_both_ends_is_a_clear_400(olt_sim: SimHandle, data_filter: DataFilter) -> None:
    """Over HTTP the contract requires both ends; a Python caller gets the same answer from the backend."""
    sim, tenant = olt_sim.sim, olt_sim.tenant_id
    count = len(olt_sim.call(lambda: sim.audit.list_audit_logs(tenant)))
    for create in (
        lambda: sim.dumps.create_devices_aggregated_timeseries_dump(
            tenant, data_filter, DeviceFilter(), Aggregation("sum")
        ),
        lambda: sim.dumps.create_timeseries_aggregated_dump(
            tenant, data_filter, TimeseriesSelection(), Aggregation("sum")
        ),
    ):
        with pytest.raises(BadRequest) as raised:
            olt_sim.call(create)
        assert raised.value.status == 400 and "startTime and endTime" in str(raised.value)
    assert len(olt_sim.call(lambda: sim.audit.list_audit_logs(tenant))) == count  # nothing was created
