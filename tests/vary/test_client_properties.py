"""The olt_vary runner: a naive client fails with a shrunk, readable explanation; a robust one passes."""

from __future__ import annotations

import re

import pytest

from simulator.testing import SimHandle
from simulator.vary.property import ClientBrokeUnderVariation, VaryRunner
from tests.vary.clients import NaiveDeviceClient, RobustDeviceClient, create_device


def naive_reads_a_device(sim: SimHandle) -> None:
    http = sim.client()
    device_id = create_device(http)
    assert NaiveDeviceClient(http).summary(device_id).startswith("Lamp (nowhere, 0 tags)")


def robust_reads_a_device(sim: SimHandle) -> None:
    http = sim.client()
    device_id = create_device(http)
    assert RobustDeviceClient(http).summary(device_id).startswith("Lamp (nowhere, 0 tags)")


def test_the_naive_client_passes_without_variation(olt_sim: SimHandle) -> None:
    naive_reads_a_device(olt_sim)


def test_the_naive_client_fails_with_one_named_variation(olt_vary: VaryRunner) -> None:
    with pytest.raises(ClientBrokeUnderVariation) as caught:
        olt_vary.run(naive_reads_a_device, max_examples=40)
    message = str(caught.value)
    assert "breaks under 1 variation" in message, message
    lines = [line for line in message.splitlines() if line.startswith("  GET /v1/devices/")]
    assert len(lines) == 1, message  # shrunk to the single variation that matters
    assert re.search(r"omit data\.info\.(location|tags): absent|timestamps data\.createdAt", lines[0]), message
    assert re.search(r"--vary on --vary-plan 0x[0-9a-f]+ --seed 0", message), message


def test_the_explained_plan_replays_the_failure(olt_vary: VaryRunner, olt_sim: SimHandle) -> None:
    with pytest.raises(ClientBrokeUnderVariation) as caught:
        olt_vary.run(naive_reads_a_device, max_examples=40)
    plan = re.search(r"plan=\"(0x[0-9a-f]+)\"", str(caught.value))
    assert plan is not None
    olt_sim.reset()
    control = olt_sim.control()
    assert control.put("/_sim/vary", json={"kinds": "on", "plan": plan.group(1)}).status_code == 200
    with pytest.raises((KeyError, ValueError)):
        naive_reads_a_device(olt_sim)
    journal = control.get("/_sim/requests").json()["data"]
    assert any(entry["variation"] for entry in journal if entry["method"] == "GET")


def test_the_robust_client_passes_every_variation(olt_vary: VaryRunner) -> None:
    olt_vary.run(robust_reads_a_device, max_examples=60)


def test_a_client_that_fails_anyway_is_told_so(olt_vary: VaryRunner) -> None:
    def broken(sim: SimHandle) -> None:
        sim.client().get("/devices/not-a-uuid").raise_for_status()

    with pytest.raises(ClientBrokeUnderVariation, match="fails even without variation"):
        olt_vary.run(broken, max_examples=5)


def test_an_absent_optional_field_is_named_as_the_cause(olt_vary: VaryRunner) -> None:
    with pytest.raises(ClientBrokeUnderVariation) as caught:
        olt_vary.run(naive_reads_a_device, kinds="omit", max_examples=40)
    message = str(caught.value)
    assert re.search(r"GET /v1/devices/\S+: omit data\.info\.(location|tags): absent \(its value was", message), message
    assert "KeyError" in message
    assert "--vary omit --vary-plan 0x" in message
