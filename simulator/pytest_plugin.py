"""pytest fixtures: `olt_sim` (in-process, reset per test) and `olt_sim_server` (real sockets).

Thin on purpose, and cheap to load: the simulator, the broker and uvicorn are imported by the
fixtures that need them (simulator.handles), not when pytest registers the plugin.

    --olt-sim-seed N          seed of the simulated world
    --olt-sim-url URL         olt_sim_server tests use an already running simulator (reset through /_sim)
    --olt-target URL          olt_sim and olt_sim_server tests run against another OLT deployment, with
    --olt-token TOKEN         this token; simulator-only helpers skip the test and say why
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from simulator.scenario_fixtures import DeviceFactory, DeviceTypeFactory
    from simulator.testing import SimHandle
    from simulator.vary.property import VaryRunner

#: --olt-client-conformance (fail a test on a request that breaks the contract) lives with the harness.
pytest_plugins = ["contracts.harness.pytest_plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("olt-sim")
    group.addoption("--olt-sim-seed", type=int, default=0, help="seed of the simulated world")
    group.addoption(
        "--olt-sim-url",
        default=None,
        metavar="URL",
        help="run olt_sim_server tests against an already running simulator (reset through /_sim)",
    )
    group.addoption(
        "--olt-target",
        default=None,
        metavar="URL",
        help="run olt_sim and olt_sim_server tests against another OLT deployment (with --olt-token)",
    )
    group.addoption("--olt-token", default=None, metavar="TOKEN", help="access token for --olt-target")
    group.addoption(
        "--olt-vary",
        nargs="?",
        const="on",
        default=None,
        metavar="KINDS",
        help="answer every olt_sim test with schema-valid variations (docs/vary.md)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "olt_scenario(name_or_path, seed=None, transport=None): run a scenario (a bundled name such as "
        "'smart-office', or a path relative to the test file) on the olt_sim / olt_sim_server fixture",
    )
    config.addinivalue_line("markers", "olt_vary(kinds='on', plan=None): vary the olt_sim answers of this test")
    if config.getoption("--olt-target") and not config.getoption("--olt-token"):
        raise pytest.UsageError("--olt-target needs --olt-token TOKEN (an access token of that deployment)")


def _remote(request: pytest.FixtureRequest, *, server: bool) -> Any:
    """The RemoteHandle the options ask for, or None: --olt-target first, then (server only) --olt-sim-url."""
    from simulator.remote import RemoteHandle
    from simulator.testing import ContractChecker

    target = request.config.getoption("--olt-target")
    if target:
        return RemoteHandle(
            target, token=request.config.getoption("--olt-token"), simulator=False, checker=ContractChecker()
        )
    url = request.config.getoption("--olt-sim-url") if server else None
    return RemoteHandle(url, checker=ContractChecker()) if url else None


def _session_handle(request: pytest.FixtureRequest, *, server: bool) -> Iterator[SimHandle]:
    """What the options ask for (another process), else a simulator started here (on sockets if `server`)."""
    remote = _remote(request, server=server)
    if remote is not None:
        yield remote
        return
    from simulator import handles

    start = handles.on_sockets if server else handles.in_process
    handle, stop = start(request.config.getoption("--olt-sim-seed"), strict=True)  # a failing subscriber fails the test
    yield handle
    stop()


@pytest.fixture(scope="session")
def _olt_sim_in_process(request: pytest.FixtureRequest) -> Iterator[SimHandle]:
    yield from _session_handle(request, server=False)


@pytest.fixture
def olt_sim(_olt_sim_in_process: SimHandle, request: pytest.FixtureRequest) -> Iterator[SimHandle]:
    """A freshly reset simulator (manual clock, seeded world), reached in-process through httpx."""
    yield from _per_test(_olt_sim_in_process, request)


@pytest.fixture(scope="session")
def _olt_sim_threaded(request: pytest.FixtureRequest) -> Iterator[SimHandle]:
    yield from _session_handle(request, server=True)


@pytest.fixture
def olt_sim_server(_olt_sim_threaded: SimHandle, request: pytest.FixtureRequest) -> Iterator[SimHandle]:
    """The simulator on real loopback sockets (HTTP and MQTT), reset before each test."""
    yield from _per_test(_olt_sim_threaded, request)


def _per_test(handle: SimHandle, request: pytest.FixtureRequest) -> Iterator[SimHandle]:
    handle.reset()
    _start_scenario(request, handle)
    _start_vary(request, handle)
    yield handle
    if hasattr(handle, "loop_thread"):  # a simulator of this process: no variation leaks into the next test
        handle.call(lambda: setattr(handle.sim, "vary", None))
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


@pytest.fixture
def olt_vary(olt_sim: SimHandle) -> VaryRunner:
    """A runner: `olt_vary.run(test)` runs `test(olt_sim)` under many variations (hypothesis) and explains a failure."""
    from simulator.vary.property import VaryRunner

    return VaryRunner(olt_sim)


def _start_vary(request: pytest.FixtureRequest, handle: SimHandle) -> None:
    """Variation mode for this test if its marker or --olt-vary asks (in-process simulators only)."""
    if request.node.get_closest_marker("olt_vary") is None and not request.config.getoption("--olt-vary"):
        return
    if not hasattr(handle, "loop_thread"):
        pytest.skip(f"variation mode needs the simulator in this process, not {handle.base_url}")
    from simulator.vary.property import start_marked

    start_marked(request, handle)


def _start_scenario(request: pytest.FixtureRequest, handle: SimHandle) -> None:
    handle.scenario = None
    if request.node.get_closest_marker("olt_scenario") is not None:
        if getattr(handle, "is_simulator", True) is False or not hasattr(handle, "loop_thread"):
            pytest.skip(f"@pytest.mark.olt_scenario needs the simulator in this process, not {handle.base_url}")
        from simulator.scenario_fixtures import start_marked_scenario

        start_marked_scenario(request, handle)


def _stop_scenario(handle: SimHandle) -> None:
    if handle.scenario is not None:
        from simulator.scenario_fixtures import stop_scenario

        stop_scenario(handle)
