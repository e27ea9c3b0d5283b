"""The WebSocket handshake of the stream operations, against a server or an in-process ASGI app."""

from __future__ import annotations

from typing import Any

import websockets.exceptions
from websockets.sync.client import connect


def handshake(root_url: str, path: str, app: Any, timeout: float) -> int:
    """The status the upgrade of `path` answered: 101 when the socket opened (it is closed at once)."""
    if app is not None:
        return _in_process(app, path)
    url = "ws" + root_url.removeprefix("http") + path
    try:
        with connect(url, open_timeout=timeout, close_timeout=timeout):
            return 101
    except websockets.exceptions.InvalidStatus as refused:
        return int(refused.response.status_code)
    except (OSError, TimeoutError, websockets.exceptions.WebSocketException):
        return 0


def _in_process(app: Any, path: str) -> int:
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    try:
        with TestClient(app).websocket_connect(path):
            return 101
    except WebSocketDisconnect as refused:
        return 403 if refused.code == 1008 else 400
