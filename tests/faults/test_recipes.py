"""The recipes of docs/faults.md, taken from the page and run against the simulator."""

from __future__ import annotations

import contextlib
import json
import queue
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.testing import SimHandle
from tests.faults.test_http_faults import add_fault
from tests.mqtt.conftest import SCHEMA, Platform, wait_for

DOCS = Path(__file__).resolve().parents[2] / "docs" / "faults.md"


def recipe(name: str) -> dict[str, Any]:
    """The names a `# recipe: <name>` code block of the docs defines."""
    for block in re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S):
        if block.startswith(f"# recipe: {name}\n"):
            namespace: dict[str, Any] = {}
            exec(compile(block, f"docs/faults.md ({name})", "exec"), namespace)  # our own docs page
            return namespace
    raise AssertionError(f"no recipe {name!r} in docs/faults.md")


def test_retry_on_503_and_on_a_reset(olt_sim: SimHandle) -> None:
    get_with_retries: Callable[..., httpx.Response] = recipe("retry")["get_with_retries"]
    waits: list[float] = []
    add_fault(
        olt_sim, {"match": {"operationId": "listDevices"}, "effect": {"status": 503, "retryAfter": 3}, "count": 2}
    )
    response = get_with_retries(olt_sim.client(), "/devices", sleep=waits.append)
    assert response.status_code == 200 and waits == [3.0, 3.0]
    olt_sim.control().delete("/_sim/faults")
    add_fault(olt_sim, {"match": {"operationId": "listDevices"}, "effect": {"reset": True}, "count": 1})
    assert get_with_retries(olt_sim.client(), "/devices", sleep=waits.append).status_code == 200
    add_fault(olt_sim, {"match": {"operationId": "listDevices"}, "effect": {"status": 503}})
    with pytest.raises(RuntimeError):
        get_with_retries(olt_sim.client(), "/devices", sleep=waits.append)


def test_back_off_on_429_in_simulated_time(olt_sim: SimHandle) -> None:
    call_within_rate_limit: Callable[..., httpx.Response] = recipe("backoff")["call_within_rate_limit"]
    add_fault(olt_sim, {"match": {"path": "/v1/devices*"}, "effect": {"rateLimit": 2, "window": "1m"}})
    api = olt_sim.client()
    started = olt_sim.now()
    statuses = [
        call_within_rate_limit(lambda: api.get("/devices"), sleep=olt_sim.advance).status_code for _ in range(5)
    ]
    assert statuses == [200] * 5
    assert (olt_sim.now() - started).total_seconds() == 120  # two windows waited out, on the simulated clock


@pytest.mark.parametrize(
    "rule",
    [
        {"match": {}, "effect": {"outage": True}, "for": "1m"},
        {"match": {"direction": "downlink"}, "effect": {"disconnect": True}, "count": 1},
    ],
    ids=["outage", "disconnect"],
)
def test_a_resilient_device_resubscribes_and_gets_its_configuration(
    olt_sim_server: SimHandle, platform: Platform, rule: dict[str, Any]
) -> None:
    resilient_device = recipe("resilient-device")["resilient_device"]
    lamp = platform.device(platform.device_type({**SCHEMA, "configuration": {"brightness": {"type": "integer"}}}))
    received: queue.Queue[int] = queue.Queue()
    port, password = olt_sim_server.mqtt_port, olt_sim_server.mqtt_password(lamp)

    def on_message(client: Any, userdata: Any, message: Any) -> None:
        received.put(json.loads(message.payload)["configuration"]["brightness"])

    client = resilient_device("127.0.0.1", port, lamp, password, on_message)

    def delivered(step: int) -> None:
        """Configure (a new value each try) until the device has one: its subscription may be on the way."""
        deadline = time.monotonic() + 20
        for value in range(step * 100, step * 100 + 100):
            assert time.monotonic() < deadline, f"step {step} never reached the device"
            answer = platform.api.patch(f"/devices/{lamp}", json={"configuration": {"brightness": value}})
            assert answer.status_code == 200
            with contextlib.suppress(queue.Empty):
                while received.get(timeout=0.5) < step * 100:
                    pass
                return

    try:
        delivered(1)
        added = add_fault(olt_sim_server, rule)
        if "for" in rule:  # the session is gone; reconnections are refused until the clock passes the window
            wait_for(
                lambda: any(m["outcome"] == "refused (3)" for m in olt_sim_server.mqtt_messages()),
                what="a refused reconnection during the outage",
            )
            olt_sim_server.advance(60)
        else:
            answer = platform.api.patch(f"/devices/{lamp}", json={"configuration": {"brightness": 50}})
            assert answer.status_code == 200  # this downlink takes the session down instead
        delivered(3)
        assert olt_sim_server.faults()[0]["hits"] >= 1 and olt_sim_server.faults()[0]["id"] == added["id"]
    finally:
        client.loop_stop()
        client.disconnect()
