"""An httpx transport that serves requests from an ASGI app in-process (no sockets).

The harness runs against the simulator's app directly in tests and for `olt-sim contract` without a
server. The app's event loop lives in one background thread for the whole process, so state the app
binds to its loop (locks, queues) survives from one request to the next.
"""

from __future__ import annotations

import atexit
import threading
from contextlib import AbstractContextManager
from typing import Any

import anyio
import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal

from contracts.harness.wire import StreamedBody

_lock = threading.Lock()
_portal: tuple[AbstractContextManager[BlockingPortal], BlockingPortal] | None = None


def _shared_portal() -> BlockingPortal:
    global _portal
    with _lock:
        if _portal is None:
            manager = start_blocking_portal()
            _portal = (manager, manager.__enter__())
            atexit.register(manager.__exit__, None, None, None)
        return _portal[1]


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout", {})
    read = timeout.get("read") if isinstance(timeout, dict) else None
    return float(read) if read is not None else None


class InProcessTransport(httpx.BaseTransport):
    """Calls the ASGI `app` for every request, on the shared event-loop thread."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app, client=("testclient", 50000))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        deadline = _read_timeout(request)

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            with anyio.fail_after(deadline):
                response = await self._inner.handle_async_request(inner)
                content = await response.aread()
            return response.status_code, response.headers.raw, content

        try:
            status, headers, content = _shared_portal().call(call)
        except TimeoutError:
            raise httpx.ReadTimeout(f"Read timed out. (read timeout={deadline})", request=request) from None
        return httpx.Response(status, headers=headers, stream=StreamedBody(content), request=request)
