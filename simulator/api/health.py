"""`GET /_sim/health`: is the simulator ready, which version, for how long, and its scenario's state.

For container health checks and scripts that wait for `olt-sim serve` (`curl -fsS .../_sim/health`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from simulator.api.responses import json_response
from simulator.version import __version__

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def health_endpoint(sim: Simulator) -> Any:
    started = time.monotonic()

    async def health(request: Request) -> Response:
        return json_response(health_report(sim, time.monotonic() - started))

    return health


def health_report(sim: Simulator, uptime: float) -> dict[str, Any]:
    scenario = sim.info.get("scenario")
    return {
        "status": "ready",
        "ready": True,
        "version": __version__,
        "uptimeSeconds": round(uptime, 3),
        "clock": sim.clock.describe(),
        "scenario": {"state": "running", **scenario} if scenario else {"state": "none"},
    }
