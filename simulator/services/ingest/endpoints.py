"""HTTP ingest: thin adapters over the one pipeline (sim.ingest)."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import accepted


@operation("ingestData")
async def ingest_data(call: Call) -> Response:
    body = call.body
    return accepted(
        call.sim.ingest.ingest_data(
            call.tenant_id,
            sender_id=body["senderId"],
            device_id=body["deviceId"],
            kind=body["type"],
            value=body["value"],
            time=body.get("time"),
        )
    )


@operation("ingestEvent")
async def ingest_event(call: Call) -> Response:
    body = call.body
    return accepted(
        call.sim.ingest.ingest_event(
            call.tenant_id,
            sender_id=body.get("senderId"),
            device_id=body["deviceId"],
            event_type=body["type"],
            value=body.get("value"),
            created_at=body.get("createdAt"),
        )
    )
