"""The WebSocket side of streaming (registered before the /v1 catch-all) and /_sim/streams."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from simulator.api.auth import CHALLENGE
from simulator.api.errors import error_response
from simulator.api.responses import json_response
from simulator.core.errors import BadRequest, SimError, Unauthorized
from simulator.faults.streams import StreamSender
from simulator.services.streaming.models import STREAM_PATH, Subscriber

if TYPE_CHECKING:
    from simulator.runtime import Simulator

STREAM_TYPES = ("live", "buffered")
GONE = (WebSocketDisconnect, OSError, RuntimeError)  # what sending to a vanished client raises


async def _refuse(websocket: WebSocket, error: SimError) -> None:
    """Answer the upgrade request with a plain HTTP error (401 for a bad token)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        headers = CHALLENGE if isinstance(error, Unauthorized) else None
        await websocket.send_denial_response(error_response(error, headers))
    else:  # the server cannot send a denial response: a close before accept becomes HTTP 403
        await websocket.close(code=1008, reason=error.message[:120])


async def _until_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it goes away."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


async def _pump(websocket: WebSocket, subscriber: Subscriber, send: Callable[[Any], Awaitable[None]]) -> None:
    reader = asyncio.ensure_future(_until_disconnect(websocket))
    try:
        while not reader.done():
            waiter = asyncio.ensure_future(subscriber.wakeup.wait())
            await asyncio.wait({reader, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            for message in subscriber.take():
                await send(message)
    except GONE:
        pass
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, *GONE):
            await reader


def streaming_routes(sim: Simulator) -> list[BaseRoute]:
    async def stream(websocket: WebSocket) -> None:
        path_type = websocket.path_params.get("type")
        token = websocket.query_params.get("token")
        try:
            if path_type is not None and path_type not in STREAM_TYPES:
                raise BadRequest(f"Unknown stream type {path_type!r}; use live or buffered")
            if not token:
                raise BadRequest("'token' is a required query parameter")
            subscriber, replay = sim.streaming.open(token, path_type)
        except SimError as error:
            await _refuse(websocket, error)
            return
        try:
            await websocket.accept()
            sender = StreamSender(sim, subscriber.ticket, websocket)  # sends through the stream fault rules
            for message in replay:
                await sender.send(message)
            await _pump(websocket, subscriber, sender.send)
        except GONE:
            pass
        finally:
            sim.streaming.close(subscriber)

    async def connections(request: Request) -> Response:
        return json_response({"connections": sim.streaming.describe()})

    return [
        WebSocketRoute(STREAM_PATH, stream),
        WebSocketRoute(STREAM_PATH + "/{type}", stream),
        Route("/_sim/streams", connections, methods=["GET"]),
    ]
