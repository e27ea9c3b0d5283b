"""Generated MQTT messages (from the AsyncAPI payload schemas) published to the simulator's broker.

Whatever arrives, the outcome is one of two: the message is accepted (state and timeseries
follow) or it leaves a diagnostics entry; payloads the contract rejects are never accepted; the
session and the broker stay up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.harness import asyncapi
from simulator.testing import SimHandle
from tests.mqtt.conftest import Device, Platform, wait_for

EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
NUMBERS = st.floats(allow_nan=False, allow_infinity=False, width=32, min_value=-1e6, max_value=1e6)
#: attribute values the test device type accepts (tests/mqtt's SCHEMA: temperature number, label string)
ATTRIBUTES = st.fixed_dictionaries({"temperature": NUMBERS}, optional={"label": st.text(max_size=12)})


class Lamp:
    """One device of the test type, connected on the plain listener, and what the API says about it."""

    def __init__(self, sim: SimHandle, platform: Platform) -> None:
        self.sim, self.platform = sim, platform
        self.id = platform.device(platform.device_type())
        self.client = Device(sim, username=self.id, password=sim.mqtt_password(self.id))
        assert self.client.connect() == 0

    def uplinks(self) -> list[dict[str, Any]]:
        return [m for m in self.sim.mqtt_messages() if m.get("direction") == "uplink"]

    def publish(self, topic: str, raw: bytes) -> dict[str, Any]:
        """Publish and return the journal entry of this message (its outcome)."""
        seen = len(self.uplinks())
        self.sim.advance(1)  # distinct times for state, timeseries and diagnostics
        self.client.publish(topic, raw)
        return dict(wait_for(lambda: self.uplinks()[seen:], what="the message in the journal")[0])


@pytest.fixture
def lamp(olt_sim_server: SimHandle, tmp_path: Path) -> Iterator[Lamp]:
    made = Lamp(olt_sim_server, Platform(olt_sim_server, tmp_path))
    yield made
    made.client.close()


def check_outcome(lamp: Lamp, topic: str, kind: str, raw: bytes) -> None:
    diagnostics = len(lamp.platform.diagnostics(lamp.id))
    entry = lamp.publish(topic, raw)
    if kind != "valid":
        assert entry["outcome"] != "accepted", (kind, raw)
    if entry["outcome"] == "accepted":
        assert len(lamp.platform.diagnostics(lamp.id)) == diagnostics
    else:
        wait_for(lambda: len(lamp.platform.diagnostics(lamp.id)) > diagnostics, what="a diagnostics entry")
    assert not lamp.client.disconnected.is_set(), "the broker dropped the session"


@EXAMPLES
@given(item=asyncapi.wire_payloads("dataIngest"))
def test_any_data_message_is_accepted_or_diagnosed(lamp: Lamp, item: tuple[str, bytes]) -> None:
    check_outcome(lamp, asyncapi.channel("dataIngest"), *item)


@EXAMPLES
@given(item=asyncapi.wire_payloads("eventIngest"))
def test_any_event_message_is_accepted_or_diagnosed(lamp: Lamp, item: tuple[str, bytes]) -> None:
    check_outcome(lamp, asyncapi.channel("eventIngest"), *item)


def reports(payload: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """A valid data message made to fit the device type: its own attributes, sent for itself, now."""
    return {k: v for k, v in payload.items() if k not in ("deviceId", "time")} | {"type": "attributes", "value": value}


@EXAMPLES
@given(message=st.builds(reports, asyncapi.payloads("dataIngest"), ATTRIBUTES))
def test_accepted_reports_reach_state_and_timeseries(lamp: Lamp, message: dict[str, Any]) -> None:
    assert asyncapi.is_valid("dataIngest", message)
    entry = lamp.publish(asyncapi.channel("dataIngest"), json.dumps(message).encode())
    assert entry["outcome"] == "accepted", entry
    state = lamp.platform.state(lamp.id)["attributes"]
    assert {k: state.get(k) for k in message["value"]} == message["value"]
    points = lamp.platform.timeseries(lamp.id)
    assert points and points[0]["value"] == message["value"]["temperature"]


def test_the_broker_stays_up_after_garbage(olt_sim_server: SimHandle, lamp: Lamp) -> None:
    for raw in (b"\xff\x00", b"{", b"[]", b"null", json.dumps({"type": "attributes", "value": []}).encode()):
        check_outcome(lamp, "data-ingest", "garbage" if raw in (b"\xff\x00", b"{") else "invalid", raw)
    fresh = Device(olt_sim_server, username=lamp.id, password=olt_sim_server.mqtt_password(lamp.id))
    try:
        assert fresh.connect() == 0
    finally:
        fresh.close()
