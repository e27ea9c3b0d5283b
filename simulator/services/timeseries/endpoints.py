"""Device timeseries reads/deletes and the standalone /timeseries resource (dumps: services/dumps)."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import created, no_content, ok, paged
from simulator.services.timeseries.aggregation import point
from simulator.services.timeseries.inputs import NewDataPoint, TimeseriesSelection
from simulator.services.timeseries.standalone import StandaloneTimeseries, TimeseriesChanges


def _to_api(item: StandaloneTimeseries) -> dict[str, object]:
    return item.to_api()


# ---------------------------------------------------------------------- device timeseries


@operation("getDeviceLastTimeseries")
async def get_device_last_timeseries(call: Call) -> Response:
    return ok(call.sim.timeseries.get_device_last_timeseries(call.tenant_id, call.path["deviceId"], call.query["path"]))


@operation("getDeviceAggregatedTimeseries")
async def get_device_aggregated_timeseries(call: Call) -> Response:
    q = call.query
    return ok(
        call.sim.timeseries.get_device_aggregated_timeseries(
            call.tenant_id,
            call.path["deviceId"],
            q["path"],
            q["startTime"],
            q["endTime"],
            q["aggregation"],
            q.get("frameSize"),
        )
    )


@operation("deleteDeviceTimeseries")
async def delete_device_timeseries(call: Call) -> Response:
    q = call.query
    call.sim.timeseries.delete_device_timeseries(
        call.tenant_id, call.path["deviceId"], q["path"], q.get("startTime"), q.get("endTime")
    )
    return no_content()


# ---------------------------------------------------------------------- standalone timeseries


@operation("createTimeseries")
async def create_timeseries(call: Call) -> Response:
    body = call.body
    item = call.sim.timeseries.standalone.create_timeseries(
        call.tenant_id, body["name"], body["dataType"], body.get("metadata")
    )
    return created(item.to_api())


@operation("listTimeseries")
async def list_timeseries(call: Call) -> Response:
    found = call.sim.timeseries.standalone.list_timeseries(call.tenant_id, TimeseriesSelection.from_api(call.query))
    return paged(found, call.page, call.page_size, _to_api)


@operation("getTimeseries")
async def get_timeseries(call: Call) -> Response:
    return ok(call.sim.timeseries.standalone.get_timeseries(call.tenant_id, call.path["timeseriesId"]).to_api())


@operation("updateTimeseries")
async def update_timeseries(call: Call) -> Response:
    changes = TimeseriesChanges.from_api(call.body)
    item = call.sim.timeseries.standalone.update_timeseries(call.tenant_id, call.path["timeseriesId"], changes)
    return ok(item.to_api())


@operation("deleteTimeseries")
async def delete_timeseries(call: Call) -> Response:
    call.sim.timeseries.standalone.delete_timeseries(call.tenant_id, call.path["timeseriesId"])
    return no_content()


@operation("createTimeseriesDataPoints")
async def create_timeseries_data_points(call: Call) -> Response:
    stored = call.sim.timeseries.standalone.create_timeseries_data_points(
        call.tenant_id, call.path["timeseriesId"], NewDataPoint.list_from_api(call.body["data"])
    )
    return created(stored)


@operation("deleteTimeseriesDataPoints")
async def delete_timeseries_data_points(call: Call) -> Response:
    call.sim.timeseries.standalone.delete_timeseries_data_points(
        call.tenant_id, call.path["timeseriesId"], call.query.get("startTime"), call.query.get("endTime")
    )
    return no_content()


@operation("getTimeseriesLastDataPoints")
async def get_timeseries_last_data_points(call: Call) -> Response:
    return ok(call.sim.timeseries.standalone.get_timeseries_last_data_points(call.tenant_id, call.path["timeseriesId"]))


@operation("getTimeseriesAggregatedDataPoints")
async def get_timeseries_aggregated_data_points(call: Call) -> Response:
    q = call.query
    frames = call.sim.timeseries.standalone.get_timeseries_aggregated_data_points(
        call.tenant_id, call.path["timeseriesId"], q["startTime"], q["endTime"], q["aggregation"], q.get("frameSize")
    )
    return paged(frames, call.page, call.page_size, point)
