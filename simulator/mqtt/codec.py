"""MQTT payloads: decode what devices publish, encode what the platform sends (pure, no broker types).

Uplink envelopes are checked against the AsyncAPI contract (`DataIngestPayload`,
`EventIngestPayload`); the device-type schema checks are the ingest pipeline's job.
Downlink payloads follow facts E.3 / I.3.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from contracts import spec
from simulator.core.errors import BadRequest
from simulator.mqtt.topics import DATA_INGEST, EVENT_INGEST

_ENVELOPES = {DATA_INGEST: "DataIngestPayload", EVENT_INGEST: "EventIngestPayload"}


@dataclass(frozen=True, slots=True)
class Uplink:
    """One decoded ingest message; `time` is `time` (data) or `createdAt` (events), if given."""

    topic: str
    type: str
    value: dict[str, Any] | None
    device_id: str | None
    time: str | None


@cache
def _envelope_validator(topic: str) -> Draft202012Validator:
    """Compiled from the resolved schema: no `$ref` lookups per message (3x faster)."""
    document = spec.asyncapi()
    schema = spec.resolve(document, document["components"]["schemas"][_ENVELOPES[topic]])
    return Draft202012Validator(schema, format_checker=spec.format_checker())


def prepare() -> None:
    """Compile the envelope validators now (loading the AsyncAPI document takes about a second)."""
    for topic in _ENVELOPES:
        _envelope_validator(topic)


_PLAIN_KEYS = frozenset({"type", "value", "deviceId"})
_DATA_KINDS = frozenset({"attributes", "configuration"})
_EVENT_TYPE = re.compile(r"[a-zA-Z0-9_]{1,255}")


def _plainly_valid(topic: str, body: Any) -> bool:
    """True for the everyday shape `{"type", "value": {...}[, "deviceId"]}` that the envelope schema
    certainly accepts, so most messages skip the (slow) schema check; anything else is checked by it.
    A test holds this to the schema: whatever passes here must be valid there."""
    if type(body) is not dict or not body.keys() <= _PLAIN_KEYS:
        return False
    kind, value, target = body.get("type"), body.get("value"), body.get("deviceId", "x")
    if type(target) is not str or not target or type(kind) is not str:
        return False
    if topic == DATA_INGEST:
        return kind in _DATA_KINDS and type(value) is dict
    return _EVENT_TYPE.fullmatch(kind) is not None and ("value" not in body or type(value) is dict)


def decode_uplink(topic: str, payload: bytes | bytearray) -> Uplink:
    """Parse and check an ingest payload; BadRequest (with `details`) when it is not acceptable."""
    try:
        body = json.loads(bytes(payload).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"The payload on {topic!r} is not UTF-8 JSON: {exc}", code="INVALID_JSON") from None
    validator = _envelope_validator(topic)
    if not _plainly_valid(topic, body) and not validator.is_valid(body):
        details = [
            {"path": ".".join(["payload", *(str(p) for p in error.absolute_path)]), "message": error.message}
            for error in validator.iter_errors(body)
        ]
        raise BadRequest(
            f"The payload on {topic!r} does not match {_ENVELOPES[topic]}",
            code="SCHEMA_VALIDATION_FAILED",
            details=details,
        )
    return Uplink(
        topic=topic,
        type=body["type"],
        value=body.get("value"),
        device_id=body.get("deviceId"),
        time=body.get("time" if topic == DATA_INGEST else "createdAt"),
    )


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def configuration_message(device_id: str, configuration: dict[str, Any], aliases: tuple[str, ...] | list[str]) -> bytes:
    """`devices/<id>/configuration`: the full desired configuration (facts I.3)."""
    return encode({"deviceId": device_id, "aliases": list(aliases), "configuration": configuration})


def action_message(
    action_id: str, device_id: str, action: str, payload: Any, aliases: tuple[str, ...] | list[str]
) -> bytes:
    """`devices/<id>/actions` (facts I.3 default keys)."""
    return encode(
        {"actionId": action_id, "deviceId": device_id, "aliases": list(aliases), "action": action, "payload": payload}
    )


def payload_text(payload: bytes | bytearray, limit: int = 4096) -> str:
    """A journal/diagnostics rendering of a payload: UTF-8 text, undecodable bytes replaced, bounded."""
    text = bytes(payload[: limit + 1]).decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:limit] + "…"
