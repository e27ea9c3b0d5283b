"""`olt_simulator`: the fixtures' handle for code outside pytest, as a context manager and a decorator."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from simulator import olt_simulator
from simulator.scenario.loader import ScenarioError
from simulator.scenario_lookup import bundled_dir, bundled_names, find_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_context_manager_gives_a_seeded_in_process_handle() -> None:
    with olt_simulator(seed=4) as sim:
        api = sim.client()
        assert api.post("/device-types", json={"name": "Lamp", "schema": {}}).status_code == 201
        assert sim.advance(30) == 0
        first = sim.tenant_id
    with olt_simulator(seed=4) as again:
        assert again.tenant_id == first  # same seed, same world
        assert again.client().get("/device-types").json()["meta"]["itemsTotal"] == 0


def test_server_mode_and_scenario_by_name() -> None:
    with olt_simulator(seed=1, server=True, scenario="single-sensor") as sim:
        assert sim.scenario is not None and sim.mqtt_port
        assert httpx.get(f"{sim.base_url}/_sim/health").json()["ready"] is True
        url = sim.base_url
    with pytest.raises(OSError):  # stopped on exit
        socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=2).close()


def test_decorator_passes_the_handle_as_sim() -> None:
    seen = []

    @olt_simulator(seed=2)
    def job(name: str, *, sim) -> str:
        seen.append(sim.tenant_id)
        return str(sim.client().post("/device-types", json={"name": name, "schema": {}}).json()["data"]["name"])

    assert job("Fan") == "Fan" and job("Fan") == "Fan"  # type: ignore[call-arg]
    assert len(set(seen)) == 1


def test_every_example_scenario_ships_in_the_package() -> None:
    examples = sorted((ROOT / "scenarios").glob("*.toml"))
    assert examples
    for example in examples:
        bundled = bundled_dir() / example.name
        assert bundled.read_bytes() == example.read_bytes(), f"{example.name} is not in simulator/scenarios_bundled"
    assert bundled_names() == [path.stem for path in examples]


def test_an_unknown_scenario_name_lists_the_bundled_ones() -> None:
    with pytest.raises(ScenarioError, match="bundled: chaos, flaky-fleet, load-10k, single-sensor, smart-office"):
        find_scenario("smartoffice")
    assert find_scenario("data/x.toml", ROOT) == ROOT / "data/x.toml"
