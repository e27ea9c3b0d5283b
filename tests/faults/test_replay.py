"""Seed replay: the same rules and seed inject the same faults in the same places, and faults never
shift the ids the world hands out."""

from __future__ import annotations

import json
from collections.abc import Callable

from simulator.runtime import Simulator
from simulator.settings import Settings
from simulator.testing import SimHandle
from tests.faults.test_http_faults import DEVICE_TYPE, add_fault
from tests.mqtt.conftest import Device, Platform, wait_for

RULE = {"match": {"operationId": "listDeviceTypes"}, "effect": {"status": 503}, "probability": 0.5}


def fault_pattern(sim: SimHandle) -> tuple[str, list[int]]:
    sim.reset()
    rule = add_fault(sim, RULE)
    api = sim.client()
    return rule["id"], [api.get("/device-types").status_code for _ in range(40)]


def test_same_seed_same_rules_same_faults(olt_sim: SimHandle) -> None:
    first, second = fault_pattern(olt_sim), fault_pattern(olt_sim)
    assert first == second
    assert {200, 503} <= set(first[1])


def test_another_seed_draws_other_faults() -> None:
    def draws(seed: int) -> list[bool]:
        sim = Simulator(Settings(seed=seed, clock="manual"))
        sim.faults.add(RULE)
        return [sim.faults.pick("http", {"operationId": "listDeviceTypes"}) is not None for _ in range(40)]

    assert draws(0) == draws(0)
    assert draws(0) != draws(1)


def test_faults_do_not_shift_resource_ids(olt_sim: SimHandle) -> None:
    def created_id(with_faults: bool) -> str:
        olt_sim.reset()
        api = olt_sim.client()
        if with_faults:
            add_fault(olt_sim, RULE)
            for _ in range(5):
                api.get("/device-types")
        response = api.post("/device-types", json=DEVICE_TYPE)
        assert response.status_code == 201
        return str(response.json()["data"]["id"])

    assert created_id(False) == created_id(True)


def test_mqtt_drops_replay_from_the_seed(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device]
) -> None:
    lamp = platform.device(platform.device_type())

    def run() -> list[str]:
        olt_sim_server.call(olt_sim_server.sim.mqtt_journal.clear)
        olt_sim_server.call(olt_sim_server.sim.faults.reset)
        add_fault(olt_sim_server, {"match": {"direction": "uplink"}, "effect": {"drop": True}, "probability": 0.5})
        device = devices(username=lamp, password=olt_sim_server.mqtt_password(lamp))
        assert device.connect() == 0
        for value in range(20):
            device.publish("data-ingest", json.dumps({"type": "attributes", "value": {"temperature": value}}))
        wait_for(lambda: len(olt_sim_server.mqtt_messages()) == 20, what="20 journaled uplinks")
        device.close()
        return [m["outcome"] for m in olt_sim_server.mqtt_messages()]

    first = run()
    assert first == run()
    assert {"accepted", "dropped"} == set(first)
