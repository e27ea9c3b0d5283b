"""HTTP connection limits: idle keep-alive, slow request heads, and running out of file descriptors.

- **Idle keep-alive**: a connection idle after a response is closed after `KEEP_ALIVE_SECONDS`
  (uvicorn's `timeout_keep_alive`).
- **Slow request head**: the head of a request (request line and headers) must arrive within
  `HEADER_TIMEOUT_SECONDS` of the connection opening or of the previous response, however
  slowly the bytes trickle in (uvicorn has no such deadline: any byte resets its idle timer).
- **File-descriptor limit**: `serve` raises the soft limit to the hard one; when accept() still
  fails (EMFILE), asyncio pauses accepting for a second and retries, so established connections
  keep being served and new ones are accepted as soon as descriptors free up. The log gets one
  line per second at most instead of a traceback per attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)
KEEP_ALIVE_SECONDS = 5
HEADER_TIMEOUT_SECONDS = 10.0
RESOURCE_LOG_INTERVAL = 1.0
_RESOURCE_MESSAGE = "socket.accept() out of system resource"


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head."""

    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:  # a request head arrived (or the connection ended)
            self._cancel_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        super().connection_lost(exc)

    def _arm_head_deadline(self) -> None:
        self._cancel_head_deadline()
        self._head_deadline = self.loop.call_later(HEADER_TIMEOUT_SECONDS, self._head_too_slow)

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def uvicorn_options() -> dict[str, Any]:
    """The limits as uvicorn.Config keyword arguments."""
    return {"http": GuardedH11Protocol, "timeout_keep_alive": KEEP_ALIVE_SECONDS}


class QuietResourceErrors:
    """A loop exception handler: "out of file descriptors" as one log line per second at most."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._previous = loop.get_exception_handler()
        self._last = 0.0
        self._skipped = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if _stale_accept_retry(context):
            return
        if context.get("message") != _RESOURCE_MESSAGE:
            if self._previous is not None:
                self._previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if now - self._last < RESOURCE_LOG_INTERVAL:
            self._skipped += 1
            return
        more = f" ({self._skipped} more since the last report)" if self._skipped else ""
        log.error(
            "Out of file descriptors (%s): new connections wait; open ones are served%s", context.get("exception"), more
        )
        self._last, self._skipped = now, 0


def _stale_accept_retry(context: dict[str, Any]) -> bool:
    """asyncio (3.11) schedules one accept retry per backlog slot on EMFILE; those that fire after the
    listening socket closed (server shutdown) fail on its fd -1: noise, not an error."""
    return isinstance(context.get("exception"), ValueError) and "_start_serving" in str(context.get("message"))


def prepare_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Raise the descriptor soft limit to the hard one and quiet the accept-error flood."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if not isinstance(loop.get_exception_handler(), QuietResourceErrors):
        loop.set_exception_handler(QuietResourceErrors(loop))
