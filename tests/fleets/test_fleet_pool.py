"""The fleet engine against a real simulator: small fleets over worker processes, plain and TLS."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

import pytest

from simulator.core.events import DataReported
from simulator.fleets.local import local_manifest
from simulator.fleets.manifest import Manifest
from simulator.fleets.pool import run_fleet
from simulator.scenario import load_scenario
from simulator.scenario.schema import Scenario
from simulator.server import ThreadedServer
from tests.mqtt.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "load-10k.toml"


def small(devices: int) -> Scenario:
    scenario = load_scenario(SCENARIO)
    fleet = dataclasses.replace(scenario.fleets["trackers"], count=devices)
    return dataclasses.replace(scenario, fleets={"trackers": fleet})


@pytest.mark.parametrize(("auth", "workers"), [("password", 2), ("certificate", 1)])
def test_every_message_of_a_small_fleet_reaches_the_pipeline(
    server: ThreadedServer, auth: Literal["password", "certificate"], workers: int
) -> None:
    sim = server.sim
    accepted: list[str] = []
    server.call(lambda: sim.bus.subscribe(DataReported, lambda event: accepted.append(event.device_id)))
    scenario = small(60)
    manifest: Manifest = server.loop_thread.call(
        lambda: local_manifest(sim, scenario, SCENARIO, auth=auth, seconds=3.0, every=1.0), timeout=120
    )
    total, parts = run_fleet(manifest, workers)
    assert len(parts) == workers and sum(p.devices for p in parts) == 60
    assert total.connected == 60 and total.refused == 0
    assert total.sent >= 60 * 2 and total.acked == total.sent and total.not_sent == 0
    wait_for(lambda: len(accepted) >= total.sent, what="every message accepted")
    assert len(accepted) == total.sent
    assert set(accepted) == {c.device_id for c in manifest.devices}


def test_a_device_with_a_wrong_password_is_counted_as_refused(server: ThreadedServer) -> None:
    sim = server.sim
    manifest: Manifest = server.loop_thread.call(
        lambda: local_manifest(sim, small(3), SCENARIO, seconds=1.0, every=0.5), timeout=60
    )
    wrong = dataclasses.replace(manifest.devices[0], password="not-it")
    total, _ = run_fleet(dataclasses.replace(manifest, devices=[wrong, *manifest.devices[1:]]), 1)
    assert (total.connected, total.refused) == (2, 1)
    assert total.not_sent > 0 and total.acked == total.sent


def test_a_manifest_survives_json_and_splits_evenly(server: ThreadedServer) -> None:
    sim = server.sim
    manifest: Manifest = server.loop_thread.call(lambda: local_manifest(sim, small(7), SCENARIO), timeout=60)
    assert Manifest.from_json(manifest.to_json()) == manifest
    parts = manifest.split(3)
    assert [len(p.devices) for p in parts] == [3, 2, 2]
    assert sorted(c.device_id for p in parts for c in p.devices) == sorted(c.device_id for c in manifest.devices)
    assert len(manifest.split(50)) == 7
