"""Strategies from the AsyncAPI payload schemas: valid ones validate, invalid ones do not."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.harness import asyncapi

SLOW = settings(max_examples=10, suppress_health_check=[HealthCheck.too_slow], deadline=None)


def test_every_message_has_a_payload_schema_and_ingest_messages_a_channel() -> None:
    assert {"dataIngest", "eventIngest", "deviceAction", "eventUpdate"} <= set(asyncapi.messages())
    assert asyncapi.channel("dataIngest") == "data-ingest"
    assert asyncapi.channel("eventIngest") == "event-ingest"
    assert asyncapi.channel("deviceAction") == "devices/{deviceId}/actions"
    with pytest.raises(KeyError):
        asyncapi.channel("nothing")


@pytest.mark.parametrize("message", asyncapi.messages())
def test_valid_payloads_validate(message: str) -> None:
    @SLOW
    @given(asyncapi.payloads(message))
    def check(payload: object) -> None:
        assert asyncapi.is_valid(message, payload), payload

    check()


@pytest.mark.parametrize("message", asyncapi.messages())
def test_invalid_payloads_do_not(message: str) -> None:
    @SLOW
    @given(asyncapi.payloads(message, valid=False))
    def check(payload: object) -> None:
        assert not asyncapi.is_valid(message, payload), payload
        json.dumps(payload)  # still JSON: invalid by schema, not by syntax

    check()


@SLOW
@given(asyncapi.wire_payloads("dataIngest"), st.data())
def test_wire_payloads_say_what_they_are(item: tuple[str, bytes], data: st.DataObject) -> None:
    kind, raw = item
    if kind == "garbage":
        with pytest.raises(ValueError):
            json.loads(raw)
    else:
        assert asyncapi.is_valid("dataIngest", json.loads(raw)) == (kind == "valid")
