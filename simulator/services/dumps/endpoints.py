"""Dump requests and downloads: device dumps and the standalone timeseries files."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import accepted, json_response, ok
from simulator.services.devices.filters import DeviceFilter
from simulator.services.dumps.inputs import Aggregation, DataFilter
from simulator.services.timeseries.inputs import TimeseriesSelection


@operation("createDeviceTimeseriesDump")
async def create_device_timeseries_dump(call: Call) -> Response:
    body = call.body
    return accepted(
        call.sim.dumps.create_device_timeseries_dump(
            call.tenant_id, call.path["deviceId"], body["path"], body.get("startTime"), body.get("endTime")
        )
    )


@operation("getDeviceTimeseriesDump")
async def get_device_timeseries_dump(call: Call) -> Response:
    return json_response(
        call.sim.dumps.get_device_timeseries_dump(call.tenant_id, call.path["deviceId"], call.path["dumpId"])
    )


@operation("createDevicesTimeseriesDump")
async def create_devices_timeseries_dump(call: Call) -> Response:
    data_filter = DataFilter.from_api(call.body["dataFilter"])
    device_filter = DeviceFilter.from_api(call.body["deviceFilter"])
    return accepted(call.sim.dumps.create_devices_timeseries_dump(call.tenant_id, data_filter, device_filter))


@operation("getDevicesTimeseriesDump")
async def get_devices_timeseries_dump(call: Call) -> Response:
    return json_response(call.sim.dumps.get_devices_timeseries_dump(call.tenant_id, call.path["dumpId"]))


@operation("createDevicesAggregatedTimeseriesDump")
async def create_devices_aggregated_timeseries_dump(call: Call) -> Response:
    body = call.body
    data_filter, aggregation = DataFilter.from_api(body["dataFilter"]), Aggregation.from_api(body["params"])
    device_filter = DeviceFilter.from_api(body["deviceFilter"])
    dumps = call.sim.dumps
    return accepted(
        dumps.create_devices_aggregated_timeseries_dump(call.tenant_id, data_filter, device_filter, aggregation)
    )


@operation("getDevicesAggregatedTimeseriesDump")
async def get_devices_aggregated_timeseries_dump(call: Call) -> Response:
    return json_response(call.sim.dumps.get_devices_aggregated_timeseries_dump(call.tenant_id, call.path["dumpId"]))


@operation("createTimeseriesDump")
async def create_timeseries_dump(call: Call) -> Response:
    data_filter = DataFilter.from_api(call.body["dataFilter"])
    selection = TimeseriesSelection.from_api(call.body["timeseriesFilter"])
    return accepted(call.sim.dumps.create_timeseries_dump(call.tenant_id, data_filter, selection))


@operation("createTimeseriesAggregatedDump")
async def create_timeseries_aggregated_dump(call: Call) -> Response:
    body = call.body
    data_filter, aggregation = DataFilter.from_api(body["dataFilter"]), Aggregation.from_api(body["params"])
    selection = TimeseriesSelection.from_api(body["timeseriesFilter"])
    dumps = call.sim.dumps
    return accepted(dumps.create_timeseries_aggregated_dump(call.tenant_id, data_filter, selection, aggregation))


@operation("getTimeseriesRequest")
async def get_timeseries_request(call: Call) -> Response:
    done, status = call.sim.dumps.get_timeseries_request(call.tenant_id, call.path["requestId"])
    return ok(status, 201 if done else 200)


@operation("getTimeseriesFile")
async def get_timeseries_file(call: Call) -> Response:
    return json_response(call.sim.dumps.get_timeseries_file(call.tenant_id, call.path["fileId"]))
