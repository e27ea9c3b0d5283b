"""What `olt-sim` calls for scenarios: `validate`, `run`, and starting one inside `serve`.

olt-sim scenario validate FILE      -> validate(path)
olt-sim run FILE [--duration 24h] [--clock stepped|realtime|scaled:N] [--seed N]
                                    -> run(path, duration, clock, seed)
olt-sim serve [--scenario FILE | --empty]
    scenario = serve_scenario(path, empty=...)             # None with --empty
    settings = Settings(..., **serve_overrides(scenario, clock, seed))
    ... after `await server.start()`:
    stop = await start_in_server(sim, scenario)             # an async stopper
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from simulator.scenario.fleet import Provisioned, ProvisioningError
from simulator.scenario.loader import ScenarioError, load_scenario
from simulator.scenario.runner import ScenarioRunner
from simulator.scenario.schema import Scenario, check_clock
from simulator.scenario.stats import Progress, summary
from simulator.scenario.units import format_duration, parse_duration
from simulator.scenario_lookup import find_scenario

if TYPE_CHECKING:
    from simulator.runtime import Simulator

DEFAULT_DURATION = 3600.0
BUNDLED = "smart-office.toml"


def bundled_scenario_path() -> Path:
    """The smart-office scenario shipped inside the package (what plain `olt-sim serve` loads)."""
    return Path(__file__).resolve().parent / "scenarios_bundled" / BUNDLED  # package data, not importable


def validate(path: str | Path, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """0 and a one-line description when the file is a valid scenario; 1 and every problem otherwise."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        for problem in error.problems:
            print(problem, file=err)
        return 1
    print(f"{path}: OK — {describe(scenario)}", file=out)
    return 0


def describe(scenario: Scenario) -> str:
    info = scenario.info
    return (
        f"scenario {info.name!r}: {len(scenario.device_types)} device types, {len(scenario.fleets)} fleets, "
        f"{scenario.device_count} devices, {len(scenario.timeline)} timeline steps, seed {info.seed}, "
        f"clock {info.clock}"
    )


def run(
    path: str | Path,
    duration: str | float | None = None,
    clock: str | None = None,
    seed: int | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    host: str = "127.0.0.1",
) -> int:
    """Run a scenario for `duration` of simulated time with a progress bar on stderr, then a summary.

    stepped (or manual): no sockets, the clock jumps from one due report to the next;
    realtime / scaled:N: the full simulator on free loopback ports, devices as MQTT clients.
    """
    out, err = out or sys.stdout, err or sys.stderr
    try:
        scenario = load_scenario(find_scenario(path))
        clock = check_clock(clock or scenario.info.clock)
        seconds = parse_duration(duration) if duration is not None else (scenario.info.duration or DEFAULT_DURATION)
    except ScenarioError as error:
        print("\n".join(str(p) for p in error.problems), file=err)
        return 1
    except ValueError as error:
        print(f"olt-sim run: {error}", file=err)
        return 2
    seed = scenario.info.seed if seed is None else seed
    print(f"running {describe(scenario)} for {format_duration(seconds)} ({clock} clock, seed {seed})", file=err)
    try:
        if clock in ("stepped", "manual"):
            runner, wall = _run_stepped(scenario, seconds, seed, err)
        else:
            runner, wall = asyncio.run(_run_live(scenario, seconds, clock, seed, host, err))
    except ProvisioningError as error:
        print(f"olt-sim run: the scenario's world was refused: {error}", file=err)
        return 1
    print(summary(scenario.info.name, runner.stats, runner.elapsed, wall, clock), file=out)
    return 0


def _simulator(clock: str, seed: int, **settings: Any) -> Simulator:
    from simulator.runtime import Simulator
    from simulator.settings import Settings

    return Simulator(Settings(clock=clock, seed=seed, **settings))


def _run_stepped(scenario: Scenario, seconds: float, seed: int, err: TextIO) -> tuple[ScenarioRunner, float]:
    sim = _simulator("stepped", seed)
    runner = ScenarioRunner(sim, scenario, seed=seed).start()
    progress = Progress(seconds, err)
    started = time.monotonic()

    def report(final: bool = False) -> None:
        progress.update(
            runner.elapsed, _sent(runner), runner.online(), len(runner.by_id), time.monotonic() - started, final
        )

    runner.run_until(runner.t0 + seconds, report)
    report(final=True)
    progress.close()
    wall = time.monotonic() - started
    runner.stop()
    return runner, wall


async def _run_live(
    scenario: Scenario, seconds: float, clock: str, seed: int, host: str, err: TextIO
) -> tuple[ScenarioRunner, float]:
    from simulator.server import AppServer

    sim = _simulator(clock, seed, host=host, port=0, mqtt_port=0, mqtts_port=0)
    server = AppServer(sim)
    await server.start()
    print(
        f"simulator at {sim.base_url}/v1" + (f", MQTT {sim.info['mqttUrl']}" if "mqttUrl" in sim.info else ""), file=err
    )
    progress = Progress(seconds, err)
    started = time.monotonic()
    runner = ScenarioRunner(sim, scenario, seed=seed).start()
    try:
        while runner.elapsed < seconds:
            await asyncio.sleep(min(0.5, (seconds - runner.elapsed) / sim.clock.speed))
            progress.update(
                min(runner.elapsed, seconds),
                _sent(runner),
                runner.online(),
                len(runner.by_id),
                time.monotonic() - started,
            )
    finally:
        progress.close()
        wall = time.monotonic() - started
        runner.stop()
        await asyncio.sleep(0.3)  # let the last messages in flight arrive before the broker stops
        await server.stop()
    return runner, wall


def _sent(runner: ScenarioRunner) -> int:
    return runner.stats.total("messages") + runner.stats.total("events") + runner.stats.total("malformed")


# ---------------------------------------------------------------------- serve


def serve_scenario(path: str | Path | None, *, empty: bool = False) -> Scenario | None:
    """What `serve` loads: FILE, else the bundled smart-office scenario, or nothing with --empty."""
    if empty:
        return None
    return load_scenario(find_scenario(path) if path is not None else bundled_scenario_path())


def serve_overrides(scenario: Scenario | None, clock: str | None = None, seed: int | None = None) -> dict[str, Any]:
    """Settings fields for `serve`: the scenario's clock and seed unless the command line names them."""
    values: dict[str, Any] = {}
    if scenario is not None:
        values = {"clock": scenario.info.clock, "seed": scenario.info.seed}
        if scenario.info.vary:
            values["vary"] = scenario.info.vary
    if clock is not None:
        values["clock"] = check_clock(clock)
    if seed is not None:
        values["seed"] = seed
    return values


async def start_in_server(
    sim: Simulator, scenario: Scenario | None, seed: int | None = None, provisioned: Provisioned | None = None
) -> Callable[[], Awaitable[None]]:
    """Start the scenario on the running server's loop; a stepped clock is driven to the scenario's
    duration (default 24 h) as fast as the machine allows. Returns an async stopper."""
    if scenario is None:

        async def nothing() -> None:
            return None

        return nothing
    runner = ScenarioRunner(sim, scenario, seed=seed).start(provisioned)
    if sim.persister is not None and runner.world is not None:
        sim.persister.remember_scenario(scenario.info.name, runner.world)  # a restart adopts its devices
    end = runner.t0 + (scenario.info.duration or 86400.0)
    sim.info["scenario"] = {
        "name": scenario.info.name,
        "state": "running",
        "devices": len(runner.by_id),
        "fleets": list(runner.fleets),
        "start": runner.t0,
        "end": end,
    }
    banner = sim.info.setdefault("banner", [])
    banner.append(f"  Scenario:   {describe(scenario)}")
    sim.scenario_status = lambda: {"elapsed": runner.elapsed, "online": runner.online(), **runner.stats.as_dict()}
    task = asyncio.ensure_future(runner.drive(end)) if sim.clock.mode == "stepped" else None

    async def stop() -> None:
        sim.info["scenario"]["state"] = "stopped"
        runner.stop()
        sim.scenario_status = None
        if task is not None:
            task.cancel()

    return stop
