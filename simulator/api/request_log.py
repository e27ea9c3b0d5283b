"""One console line per request, like Prism: method, path, status, milliseconds, contract violations.

A pure ASGI middleware: it costs one `isEnabledFor` check per request unless `olt-sim serve` (or
anyone: `logging.getLogger("olt_sim.requests").setLevel(logging.INFO)`) enables the logger, which
is off by default so fixtures and scripts stay silent. The dispatcher leaves the number of
contract violations it journaled in `scope["state"]["olt_violations"]`.

    12:03:07 GET /v1/device-types 200 1.8 ms
    12:03:09 POST /v1/devices 400 2.3 ms  1 contract violation
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

log = logging.getLogger("olt_sim.requests")
OFF = logging.CRITICAL + 1
log.setLevel(OFF)
Scope = dict[str, Any]
Message = dict[str, Any]


class RequestLog:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.WARNING):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        scope.setdefault("state", {})

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            violations = int(scope["state"].get("olt_violations", 0))
            level = logging.WARNING if violations or status >= 500 else logging.INFO
            log.log(
                level,
                "%s %s %s %.1f ms%s",
                scope["method"],
                scope["path"],
                status or "-",
                elapsed,
                f"  {violations} contract violation{'s' if violations != 1 else ''}" if violations else "",
                extra={
                    "request": {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round(elapsed, 2),
                        "violations": violations,
                    }
                },
            )


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(message)s", "%H:%M:%S")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: request lines carry method, path, status, ms and violations as fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "request", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure(level: str = "info", fmt: str = "text", quiet: bool = False) -> None:
    """Console logging for `olt-sim serve`: request lines at info, problems at warning and above."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger("olt_sim")
    root.handlers[:] = [handler]
    root.propagate = False
    root.setLevel(logging.ERROR if quiet else getattr(logging, level.upper()))
    log.setLevel(logging.NOTSET)  # from now on the "olt_sim" level above decides
    other = logging.getLogger()
    other.handlers[:] = [handler]
    other.setLevel(logging.ERROR if quiet else logging.DEBUG if level == "debug" else logging.WARNING)
