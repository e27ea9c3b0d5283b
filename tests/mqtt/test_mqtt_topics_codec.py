"""Pure parts: topic rules and payload codec (uplink envelopes, downlink messages vs the AsyncAPI doc)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import spec
from simulator.core.errors import BadRequest
from simulator.mqtt.codec import action_message, configuration_message, decode_uplink, encode, payload_text
from simulator.mqtt.topics import downlink_topic, filter_device, matching_filters

DEVICE = "550e8400-e29b-11d4-a716-446655440000"
levels = st.text(alphabet=st.characters(exclude_characters="/", exclude_categories=["Cs"]), max_size=12)


@pytest.mark.parametrize("kind", ["configuration", "actions", "firmware-installations", "+", "#"])
def test_a_device_topic_names_its_device(kind: str) -> None:
    assert filter_device(f"devices/{DEVICE}/{kind}") == DEVICE


@pytest.mark.parametrize(
    "topic_filter",
    [
        "#",
        "+",
        "devices/#",
        "devices/+/configuration",
        "devices/+/+",
        f"devices/{DEVICE}",
        "data-ingest",
        f"devices/{DEVICE}/state",
        f"devices/{DEVICE}/configuration/x",
        f"/devices/{DEVICE}/actions",
        "devices//actions",
        f"devices/{DEVICE[:-1]}#/actions",
    ],
)
def test_filters_reaching_other_devices_or_topics_name_none(topic_filter: str) -> None:
    assert filter_device(topic_filter) is None


@given(st.lists(levels, min_size=1, max_size=5))
def test_whatever_filter_names_a_device_covers_only_that_devices_downlink(parts: list[str]) -> None:
    topic_filter = "/".join(parts)
    device = filter_device(topic_filter)
    if device is not None:
        assert parts[0] == "devices" and parts[1] == device and "+" not in device and "#" not in device
        assert len(parts) == 3


def test_downlink_topics_and_the_filters_that_match_them() -> None:
    topic = downlink_topic(DEVICE, "actions")
    assert topic == f"devices/{DEVICE}/actions"
    assert matching_filters(topic) == (topic, f"devices/{DEVICE}/+", f"devices/{DEVICE}/#")
    assert all(filter_device(f) == DEVICE for f in matching_filters(topic))
    with pytest.raises(ValueError):
        downlink_topic(DEVICE, "state")


def test_a_data_report_decodes_with_target_and_time() -> None:
    body = {"type": "attributes", "value": {"t": 1}, "deviceId": "hue-1", "time": "2019-04-25T15:07:15.392Z"}
    uplink = decode_uplink("data-ingest", json.dumps(body).encode())
    assert (uplink.type, uplink.value, uplink.device_id, uplink.time) == ("attributes", {"t": 1}, "hue-1", body["time"])


def test_an_event_decodes_created_at_as_its_time() -> None:
    body = {"type": "overheated", "createdAt": "2019-04-25T15:07:15Z"}
    uplink = decode_uplink("event-ingest", json.dumps(body).encode())
    assert (uplink.type, uplink.value, uplink.device_id, uplink.time) == ("overheated", None, None, body["createdAt"])


@pytest.mark.parametrize(
    ("topic", "payload", "code"),
    [
        ("data-ingest", b"{not json", "INVALID_JSON"),
        ("data-ingest", b"\xff\xfe", "INVALID_JSON"),
        ("data-ingest", b"[1, 2]", "SCHEMA_VALIDATION_FAILED"),
        ("data-ingest", b'{"type": "event", "value": {}}', "SCHEMA_VALIDATION_FAILED"),
        ("data-ingest", b'{"type": "attributes", "value": 3}', "SCHEMA_VALIDATION_FAILED"),
        ("data-ingest", b'{"type": "attributes"}', "SCHEMA_VALIDATION_FAILED"),
        ("data-ingest", b'{"type": "attributes", "value": {}, "time": "yesterday"}', "SCHEMA_VALIDATION_FAILED"),
        ("event-ingest", b'{"type": "has space", "value": {}}', "SCHEMA_VALIDATION_FAILED"),
        ("event-ingest", b'{"value": {}}', "SCHEMA_VALIDATION_FAILED"),
    ],
)
def test_unacceptable_payloads_are_bad_requests_with_a_code(topic: str, payload: bytes, code: str) -> None:
    with pytest.raises(BadRequest) as raised:
        decode_uplink(topic, payload)
    assert raised.value.code == code
    if code == "SCHEMA_VALIDATION_FAILED":
        assert raised.value.details and all(d["path"].startswith("payload") for d in raised.value.details)


@given(st.binary(max_size=64))
def test_any_bytes_either_decode_or_are_a_bad_request(payload: bytes) -> None:
    try:
        uplink = decode_uplink("data-ingest", payload)
    except BadRequest:
        return
    assert uplink.type in ("attributes", "configuration")


def _conforms(schema_name: str, message: dict[str, Any]) -> None:
    validator = spec.validator(f"/components/schemas/{schema_name}", "asyncapi")
    assert not [e.message for e in validator.iter_errors(message)]


def test_downlink_messages_match_the_asyncapi_contract() -> None:
    configuration = json.loads(configuration_message(DEVICE, {"brightness": 5}, ("hue-1",)))
    assert configuration == {"deviceId": DEVICE, "aliases": ["hue-1"], "configuration": {"brightness": 5}}
    _conforms("DeviceConfigurationMessage", configuration)
    action = json.loads(action_message(DEVICE, DEVICE, "blink", {"times": 2}, ()))
    assert action == {"actionId": DEVICE, "deviceId": DEVICE, "aliases": [], "action": "blink", "payload": {"times": 2}}
    _conforms("DeviceActionMessage", action)


def test_encoding_is_compact_utf8_and_payload_text_is_bounded() -> None:
    assert encode({"a": "ü"}) == '{"a":"ü"}'.encode()
    assert payload_text(b"\xffok") == "\ufffdok"
    assert payload_text(b"x" * 10, limit=4) == "xxxx…"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
envelopes = st.dictionaries(
    st.sampled_from(["type", "value", "deviceId", "time", "createdAt", "other"]),
    json_values | st.sampled_from(["attributes", "configuration", "overheated", "bad name", ""]),
    max_size=4,
)


@given(st.sampled_from(["data-ingest", "event-ingest"]), envelopes)
def test_the_fast_path_never_admits_what_the_contract_rejects(topic: str, body: dict[str, Any]) -> None:
    from simulator.mqtt.codec import _envelope_validator, _fast_envelope_validator

    if _fast_envelope_validator(topic).is_valid(body):
        assert _envelope_validator(topic).is_valid(body), body


@pytest.mark.parametrize(
    ("topic", "body"),
    [
        ("data-ingest", {"type": "attributes", "value": {"a": 1}}),
        ("data-ingest", {"type": "configuration", "value": {}, "deviceId": "hue-1"}),
        ("event-ingest", {"type": "overheated"}),
        ("event-ingest", {"type": "matchCompleted", "value": {"x": [1]}}),
    ],
)
def test_everyday_messages_take_the_fast_path(topic: str, body: dict[str, Any]) -> None:
    from simulator.mqtt.codec import _fast_envelope_validator

    fast = _fast_envelope_validator(topic)
    assert fast is not None and fast.is_valid(body)
