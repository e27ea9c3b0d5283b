"""Dump requests and downloads: device dumps and the standalone timeseries files."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import accepted, json_response, ok


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
    body = call.body
    dumps = call.sim.dumps
    return accepted(dumps.create_devices_timeseries_dump(call.tenant_id, body["dataFilter"], body["deviceFilter"]))


@operation("getDevicesTimeseriesDump")
async def get_devices_timeseries_dump(call: Call) -> Response:
    return json_response(call.sim.dumps.get_devices_timeseries_dump(call.tenant_id, call.path["dumpId"]))


@operation("createDevicesAggregatedTimeseriesDump")
async def create_devices_aggregated_timeseries_dump(call: Call) -> Response:
    body = call.body
    return accepted(
        call.sim.dumps.create_devices_aggregated_timeseries_dump(
            call.tenant_id, body["dataFilter"], body["params"], body["deviceFilter"]
        )
    )


@operation("getDevicesAggregatedTimeseriesDump")
async def get_devices_aggregated_timeseries_dump(call: Call) -> Response:
    return json_response(call.sim.dumps.get_devices_aggregated_timeseries_dump(call.tenant_id, call.path["dumpId"]))


@operation("createTimeseriesDump")
async def create_timeseries_dump(call: Call) -> Response:
    body = call.body
    return accepted(call.sim.dumps.create_timeseries_dump(call.tenant_id, body["dataFilter"], body["timeseriesFilter"]))


@operation("createTimeseriesAggregatedDump")
async def create_timeseries_aggregated_dump(call: Call) -> Response:
    body = call.body
    return accepted(
        call.sim.dumps.create_timeseries_aggregated_dump(
            call.tenant_id, body["dataFilter"], body["timeseriesFilter"], body["params"]
        )
    )


@operation("getTimeseriesRequest")
async def get_timeseries_request(call: Call) -> Response:
    done, status = call.sim.dumps.get_timeseries_request(call.tenant_id, call.path["requestId"])
    return ok(status, 201 if done else 200)


@operation("getTimeseriesFile")
async def get_timeseries_file(call: Call) -> Response:
    return json_response(call.sim.dumps.get_timeseries_file(call.tenant_id, call.path["fileId"]))
