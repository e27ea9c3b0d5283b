"""pytest fixtures: `olt_sim` (in-process, reset per test) and `olt_sim_server` (real sockets).

Thin on purpose: the handle and its helpers live in simulator.testing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from simulator.settings import Settings
from simulator.testing import SimHandle

if TYPE_CHECKING:
    from simulator.scenario_fixtures import DeviceFactory, DeviceTypeFactory

#: --olt-client-conformance (fail a test on a request that breaks the contract) lives with the harness.
pytest_plugins = ["contracts.harness.pytest_plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("olt-sim")
    group.addoption("--olt-sim-seed", type=int, default=0, help="seed of the simulated world")
    group.addoption("--olt-sim-url", default=None, help="run olt_sim_server tests against an already running simulator")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "olt_scenario(path): apply a scenario file to the olt_sim fixture")


@pytest.fixture(scope="session")
def _olt_sim_in_process(request: pytest.FixtureRequest) -> Iterator[SimHandle]:
    from simulator.api.app import create_app
    from simulator.runtime import Simulator
    from simulator.server import LoopThread
    from simulator.testing import InProcessTransport

    loop_thread = LoopThread("olt-sim-in-process")
    settings = Settings(clock="manual", seed=request.config.getoption("--olt-sim-seed"), public_url="http://testserver")
    sim = loop_thread.call(lambda: Simulator(settings))
    sim.bus.strict = True  # a failing subscriber fails the test instead of logging
    app = loop_thread.call(lambda: create_app(sim))
    handle = SimHandle(sim, loop_thread, "http://testserver", InProcessTransport(app, loop_thread))
    yield handle
    loop_thread.stop()


@pytest.fixture
def olt_sim(_olt_sim_in_process: SimHandle, request: pytest.FixtureRequest) -> Iterator[SimHandle]:
    """A freshly reset simulator (manual clock, seeded world), reached in-process through httpx."""
    handle = _olt_sim_in_process
    handle.reset()
    _start_scenario(request, handle)
    yield handle
    _stop_scenario(handle)
    handle.close()


@pytest.fixture(scope="session")
def _olt_sim_threaded(request: pytest.FixtureRequest) -> Iterator[SimHandle]:
    from simulator.runtime import Simulator
    from simulator.server import ThreadedServer

    settings = Settings(
        host="127.0.0.1",
        port=0,
        mqtt_port=0,
        mqtts_port=0,
        clock="manual",
        seed=request.config.getoption("--olt-sim-seed"),
    )
    sim = Simulator(settings)
    sim.bus.strict = True  # a failing subscriber fails the test instead of logging
    server = ThreadedServer(sim).start()
    yield SimHandle(server.sim, server.loop_thread, server.base_url)
    server.stop()


@pytest.fixture
def olt_sim_server(_olt_sim_threaded: SimHandle, request: pytest.FixtureRequest) -> Iterator[SimHandle]:
    """The simulator on real loopback sockets (HTTP and MQTT), reset before each test."""
    handle = _olt_sim_threaded
    handle.reset()
    _start_scenario(request, handle)
    yield handle
    _stop_scenario(handle)
    handle.close()


@pytest.fixture
def make_device_type(request: pytest.FixtureRequest) -> DeviceTypeFactory:
    """make_device_type(name=None, schema=None, tenant=None, **api_fields) -> the type's API JSON."""
    from simulator.scenario_fixtures import DeviceTypeFactory, handle_for

    return DeviceTypeFactory(handle_for(request))


@pytest.fixture
def make_device(request: pytest.FixtureRequest, make_device_type: DeviceTypeFactory) -> DeviceFactory:
    """make_device(device_type=None, name=None, tenant=None, configuration=None, **info) -> the device's API JSON."""
    from simulator.scenario_fixtures import DeviceFactory, handle_for

    return DeviceFactory(handle_for(request), make_device_type)


def _start_scenario(request: pytest.FixtureRequest, handle: SimHandle) -> None:
    handle.scenario = None
    if request.node.get_closest_marker("olt_scenario") is not None:
        from simulator.scenario_fixtures import start_marked_scenario

        start_marked_scenario(request, handle)


def _stop_scenario(handle: SimHandle) -> None:
    if handle.scenario is not None:
        from simulator.scenario_fixtures import stop_scenario

        stop_scenario(handle)
