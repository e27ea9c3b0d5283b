"""HTTP endpoints of streaming: the connection URL, and plain GETs on the WebSocket paths.

The WebSocket upgrade itself is served by routes.py (the dispatcher is HTTP-only); a GET
without upgrade reaching the dispatcher is answered here.
"""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import ok
from simulator.core.errors import BadRequest
from simulator.services.streaming.inputs import StreamRequest

UPGRADE_HINT = "This endpoint needs a WebSocket upgrade: open the URL with a WebSocket client"


@operation("createStreamingConnection")
async def create_streaming_connection(call: Call) -> Response:
    principal = call.principal
    client_key = f"{principal.client_id}/{principal.subject}" if principal else ""
    request = StreamRequest.from_api(call.body)
    url = call.sim.streaming.create_streaming_connection(call.tenant_id, client_key, request)
    return ok({"url": url})


@operation("connectStream")
async def connect_stream(call: Call) -> Response:
    call.sim.streaming.check_token(call.query["token"])
    raise BadRequest(UPGRADE_HINT)


@operation("connectTypedStream")
async def connect_typed_stream(call: Call) -> Response:
    call.sim.streaming.check_token(call.query["token"], call.path["type"])
    raise BadRequest(UPGRADE_HINT)
