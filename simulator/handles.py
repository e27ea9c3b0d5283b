"""Start a simulator for tests or scripts and get its `SimHandle` (the plugin and `olt_simulator` share these).

Heavy imports (the broker, uvicorn) happen here, when a handle is made, not when the plugin loads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.settings import Settings

if TYPE_CHECKING:
    from simulator.testing import SimHandle

Stop = Callable[[], None]


def in_process(seed: int = 0, strict: bool = False) -> tuple[SimHandle, Stop]:
    """No sockets: httpx reaches the ASGI app on the simulator's loop thread; manual clock.

    `strict`: a failing bus subscriber raises (pytest fixtures) instead of being logged.
    """
    from simulator.api.app import create_app
    from simulator.runtime import Simulator
    from simulator.server import LoopThread
    from simulator.testing import InProcessTransport, SimHandle

    loop_thread = LoopThread("olt-sim-in-process")
    settings = Settings(clock="manual", seed=seed, public_url="http://testserver")
    sim = loop_thread.call(lambda: Simulator(settings))
    sim.bus.strict = strict
    app = loop_thread.call(lambda: create_app(sim))
    return SimHandle(sim, loop_thread, "http://testserver", InProcessTransport(app, loop_thread)), loop_thread.stop


def on_sockets(seed: int = 0, strict: bool = False) -> tuple[SimHandle, Stop]:
    """HTTP and MQTT on free loopback ports, in a background thread; manual clock (`strict` as above)."""
    from simulator.runtime import Simulator
    from simulator.server import ThreadedServer
    from simulator.testing import SimHandle

    settings = Settings(host="127.0.0.1", port=0, mqtt_port=0, mqtts_port=0, clock="manual", seed=seed)
    sim = Simulator(settings)
    sim.bus.strict = strict
    server = ThreadedServer(sim).start()
    return SimHandle(server.sim, server.loop_thread, server.base_url), server.stop


def start_scenario(
    handle: SimHandle,
    where: str | Path,
    base: Path | None = None,
    *,
    seed: int | None = None,
    transport: str | None = None,
) -> Any:
    """Run a scenario (a bundled name or a path) on the handle's simulator; sets and returns `handle.scenario`."""
    from simulator.scenario.loader import load_scenario
    from simulator.scenario.runner import ScenarioRunner
    from simulator.scenario_lookup import find_scenario

    scenario = load_scenario(find_scenario(where, base))
    runner = handle.call(lambda: ScenarioRunner(handle.sim, scenario, seed=seed, transport=transport).start())
    handle.scenario = runner
    return runner
