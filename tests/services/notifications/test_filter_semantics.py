"""Filter semantics against a reference model: AND across conditions, OR inside each, empty = any."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.core.events import EventReported
from simulator.testing import SimHandle
from tests.services.notifications.conftest import SCHEMA, TEMPLATE

EVENTS = sorted(SCHEMA["events"])
TAGS = ["red", "green", "blue"]


def expected(conditions: dict[str, list[str]], device: dict[str, Any], event_type: str) -> bool:
    checks = {
        "deviceEvent": lambda wanted: event_type in wanted,
        "deviceId": lambda wanted: device["id"] in wanted,
        "deviceTag": lambda wanted: bool(set(device["info"]["tags"]) & {t.lower() for t in wanted}),
    }
    return all(not wanted or checks[key](wanted) for key, wanted in conditions.items())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    event_type=st.sampled_from(EVENTS),
    device_index=st.integers(0, 2),
)
def test_a_notification_fires_exactly_when_the_model_says(
    olt_sim: SimHandle, data: st.DataObject, event_type: str, device_index: int
) -> None:
    api = olt_sim.client()
    type_id = api.post("/device-types", json={"name": "t", "schema": SCHEMA}).json()["data"]["id"]
    devices = [
        api.post("/devices", json={"info": {"name": "d", "deviceTypeId": type_id, "tags": TAGS[: i + 1]}}).json()[
            "data"
        ]
        for i in range(3)
    ]
    conditions = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "deviceEvent": st.lists(st.sampled_from(EVENTS), max_size=2),
                "deviceId": st.lists(st.sampled_from([d["id"] for d in devices]), max_size=2),
                "deviceTag": st.lists(st.sampled_from([*TAGS, "RED", "none"]), max_size=2),
            },
        )
    )
    body = {"notificationTemplate": TEMPLATE, "notificationFilter": conditions}
    notification_id = api.post("/notifications", json=body).json()["data"]["id"]
    device = devices[device_index]
    event = EventReported(olt_sim.tenant_id, device["id"], device["id"], {"type": event_type, "value": {}})
    olt_sim.call(lambda: olt_sim.sim.bus.publish(event))
    fired = api.get("/notifications/history", params={"notificationId": notification_id}).json()["data"]
    assert len(fired) == int(expected(conditions, device, event_type))
    api.delete(f"/notifications/{notification_id}")
