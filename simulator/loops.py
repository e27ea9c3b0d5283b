"""Event loops for the simulator's servers and fleet workers: uvloop where it is installed.

uvloop runs the same asyncio code with a cheaper event loop (sockets, timers, TLS), which
`benchmarks/mqtt_ingest.py` measures. `OLT_SIM_UVLOOP=0` keeps the standard loop (for
debugging, or a platform where uvloop misbehaves).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def uvloop_enabled() -> bool:
    if os.environ.get("OLT_SIM_UVLOOP", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def new_event_loop() -> asyncio.AbstractEventLoop:
    if uvloop_enabled():
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def run(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on the loop `new_event_loop` makes."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)
