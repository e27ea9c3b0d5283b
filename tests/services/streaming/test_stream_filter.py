"""The stream filter (facts G.2) against a reference model, and message shapes against the AsyncAPI doc."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import spec
from simulator.core.events import DataReported, EventReported
from simulator.services.streaming.inputs import StreamFilter, StreamRequest
from simulator.services.streaming.messages import DeviceFacts, data_message, event_message, matches, normalize_filter
from simulator.services.streaming.models import StreamTicket, Subscriber
from simulator.testing import SimHandle

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TENANT, DEVICE, OTHER = (
    "e6a3d2ef-16f7-4d50-883f-5b17a5def7ae",
    "550e8400-e29b-11d4-a716-446655440000",
    "1a7db926-e0fa-459f-ba91-7390f03b6688",
)
FACTS = DeviceFacts(tags=("kitchen", "floor1"), device_type_id=OTHER, categories=("urn:a",))
SCHEMAS = {
    "attributeUpdate": "AttributeUpdateMessage",
    "configurationUpdate": "ConfigurationUpdateMessage",
    "eventUpdate": "EventUpdateMessage",
}


def conforms(message: dict[str, Any]) -> bool:
    validator = spec.validator(f"#/components/schemas/{SCHEMAS[message['type']]}", "asyncapi")
    return not list(validator.iter_errors(message))


messages = st.one_of(
    st.builds(
        lambda kind, keys: data_message(
            DataReported(TENANT, DEVICE, DEVICE, kind, dict.fromkeys(keys, 1), "2026-01-01T00:00:00Z"), NOW
        ),
        st.sampled_from(["attributes", "configuration"]),
        st.sets(st.sampled_from(["temperature", "humidity", "brightness"]), max_size=2),
    ),
    st.builds(
        lambda event_type, device: event_message(
            EventReported(TENANT, device, device, {"type": event_type, "value": {"t": 1}}), NOW
        ),
        st.sampled_from(["overheated", "doorOpened"]),
        st.sampled_from([DEVICE, OTHER]),
    ),
)
words = st.sampled_from(["temperature", "humidity", "brightness", "overheated", "doorOpened"])
filters = st.fixed_dictionaries(
    {},
    optional={
        "type": st.one_of(st.sampled_from(list(SCHEMAS)), st.lists(st.sampled_from(list(SCHEMAS)), max_size=2)),
        "deviceId": st.lists(st.sampled_from([DEVICE, OTHER]), max_size=2),
        "tag": st.lists(st.sampled_from(["KITCHEN", "garage", "floor*"]), max_size=2),
        "deviceTypeId": st.lists(st.sampled_from([DEVICE, OTHER]), max_size=1),
        "deviceTypeCategory": st.one_of(st.just("urn:a"), st.lists(st.sampled_from(["urn:a", "urn:b"]), max_size=2)),
        "attributes": st.lists(words, max_size=2),
        "configurations": st.lists(words, max_size=2),
        "event": st.one_of(words, st.lists(words, max_size=2)),
    },
)


def model(raw: dict[str, Any], message: dict[str, Any]) -> bool:
    """Straight from the text: AND across conditions, OR inside, empty = any, content keys per kind."""

    def values(key: str) -> list[str]:
        value = raw.get(key) or []
        return [value] if isinstance(value, str) else value

    kind = message["type"]
    names = [message["payload"]["type"]] if kind == "eventUpdate" else list(message["payload"]["value"])
    tag_ok = any(
        t.lower() == tag or (t.endswith("*") and tag.startswith(t[:-1].lower()))
        for t in values("tag")
        for tag in FACTS.tags
    )
    checks = [
        not values("type") or kind in values("type"),
        not values("deviceId") or message["deviceId"] in values("deviceId"),
        not values("tag") or tag_ok,
        not values("deviceTypeId") or FACTS.device_type_id in values("deviceTypeId"),
        not values("deviceTypeCategory") or bool(set(values("deviceTypeCategory")) & set(FACTS.categories)),
        kind != "attributeUpdate" or not values("attributes") or bool(set(values("attributes")) & set(names)),
        kind != "configurationUpdate"
        or not values("configurations")
        or bool(set(values("configurations")) & set(names)),
        kind != "eventUpdate" or not values("event") or bool(set(values("event")) & set(names)),
    ]
    return all(checks)


@settings(deadline=None)
@given(raw=filters, message=messages)
def test_matches_agrees_with_the_model(raw: dict[str, Any], message: dict[str, Any]) -> None:
    assert matches(normalize_filter(raw), message, lambda: FACTS) is model(raw, message)


@settings(deadline=None)
@given(message=messages)
def test_messages_conform_to_the_asyncapi_document(message: dict[str, Any]) -> None:
    assert conforms(message)


def test_device_facts_are_looked_up_only_when_needed() -> None:
    message = event_message(EventReported(TENANT, DEVICE, DEVICE, {"type": "overheated"}), NOW)

    def explode() -> DeviceFacts:
        raise AssertionError("looked up")

    assert matches(normalize_filter({"type": "eventUpdate", "event": ["overheated"]}), message, explode)


def test_event_message_normalises_times_and_values() -> None:
    body = {"type": "overheated", "value": "not an object", "createdAt": "2018-07-07T11:50:12+00:00"}
    message = event_message(EventReported(TENANT, DEVICE, OTHER, body), NOW)
    assert message["time"] == message["payload"]["createdAt"] == "2018-07-07T11:50:12.000Z"
    assert message["payload"]["value"] == {}
    assert message["senderId"] == OTHER
    assert (
        event_message(EventReported(TENANT, DEVICE, DEVICE, {"type": "x", "createdAt": "garbage"}), NOW)["time"]
        == "2026-01-01T00:00:00.000Z"
    )
    assert conforms(message)


def test_a_slow_consumer_loses_its_oldest_messages_and_that_is_counted() -> None:
    ticket = StreamTicket("t", TENANT, "c", "live", {}, None, 0.0)
    subscriber = Subscriber(1, ticket, limit=3)
    for i in range(5):
        subscriber.offer({"n": i})
    assert subscriber.dropped == 2
    assert [m["n"] for m in subscriber.take()] == [2, 3, 4]
    assert subscriber.describe()["delivered"] == 3
    assert not subscriber.wakeup.is_set()


def test_a_typed_filter_means_what_the_body_means(olt_sim: SimHandle) -> None:
    body = {"type": "eventUpdate", "tag": ["Hall", "top*"], "deviceId": DEVICE, "event": [], "unknown": 1}
    typed = StreamFilter(types="eventUpdate", tags=["Hall", "top*"], device_ids=[DEVICE])
    assert StreamFilter.from_api(body) == typed
    assert (
        typed.conditions()
        == normalize_filter(body)
        == {
            "type": ["eventUpdate"],
            "deviceId": [DEVICE],
            "tag": ["Hall", "top*"],
        }
    )
    sim, tenant = olt_sim.sim, olt_sim.tenant_id
    url = olt_sim.call(lambda: sim.streaming.create_streaming_connection(tenant, "me", StreamRequest(filter=typed)))
    ticket = olt_sim.call(lambda: sim.streaming.check_token(url.rsplit("token=", 1)[1]))
    assert ticket.filter == typed.conditions() and ticket.stream_type == "live"
