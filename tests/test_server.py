"""What a server starts belongs to that server and its simulator: no module-level registries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from simulator.mqtt.broker import service_of
from simulator.mqtt.ca import ca_for
from simulator.runtime import Simulator
from simulator.server import DEFAULT_START_HOOKS, ThreadedServer
from simulator.settings import Settings


def test_start_hooks_are_the_servers_own() -> None:
    calls: list[str] = []

    async def hook(sim: Simulator) -> Callable[[], Awaitable[None]]:
        calls.append("started")

        async def stop() -> None:
            calls.append("stopped")

        return stop

    sim = Simulator(Settings(host="127.0.0.1", port=0, mqtt_port=0, mqtts_port=None, clock="manual"))
    server = ThreadedServer(sim, start_hooks=[hook])
    assert server.start_hooks == (hook,) and (hook,) != DEFAULT_START_HOOKS
    with server:
        assert calls == ["started"]
        assert service_of(sim) is None  # the broker hook was not asked for
    assert calls == ["started", "stopped"]


def test_the_running_broker_is_state_of_its_simulator() -> None:
    sim = Simulator(Settings(host="127.0.0.1", port=0, mqtt_port=0, mqtts_port=None, clock="manual"))
    other = Simulator(Settings(clock="manual"))
    with ThreadedServer(sim):
        service = service_of(sim)
        assert service is not None and service is sim.mqtt_service
        assert service_of(other) is None
    assert service_of(sim) is None


def test_each_simulator_keeps_its_own_local_ca() -> None:
    first = Simulator(Settings(clock="manual"))
    assert first.local_ca is None
    ca = ca_for(first)
    assert ca_for(first) is ca is first.local_ca
    assert Simulator(Settings(clock="manual")).local_ca is None
