"""Stream messages (contracts/olt-asyncapi.yaml) built from bus events, and the stream filter (facts G.2).

Filter conditions are ANDed, values inside one condition ORed, a missing or empty condition
means any, a bare string counts as a one-element array. `attributes`, `configurations` and
`event` only constrain messages of their own kind (an attributes condition does not hide
event updates), so one filter can ask for some events and some attributes at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.core.clock import iso, parse_time
from simulator.core.events import DataReported, EventReported
from simulator.core.filters import matches_any
from simulator.services.streaming.inputs import StreamFilter

DEVICE_KEYS = frozenset({"tag", "deviceTypeId", "deviceTypeCategory"})
#: which filter condition looks inside which message type
CONTENT_KEYS = {"attributeUpdate": "attributes", "configurationUpdate": "configurations", "eventUpdate": "event"}
CANONICAL_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def normalize_filter(raw: dict[str, Any]) -> dict[str, list[str]]:
    """Known conditions as lists of strings (unknown keys are ignored)."""
    return StreamFilter.from_api(raw).conditions()


@dataclass(frozen=True)
class DeviceFacts:
    """What the device-related conditions look at (looked up only when a filter needs it)."""

    tags: tuple[str, ...] = ()
    device_type_id: str | None = None
    categories: tuple[str, ...] = ()


def _stamp(text: Any, fallback: datetime) -> str:
    """The time in OLT's form (what the pipeline sends already is; anything else is normalised)."""
    if isinstance(text, str) and CANONICAL_TIME.fullmatch(text):
        return text
    try:
        return iso(parse_time(str(text))) if text else iso(fallback)
    except ValueError:
        return iso(fallback)


def data_message(event: DataReported, now: datetime) -> dict[str, Any]:
    kind = "attributeUpdate" if event.kind == "attributes" else "configurationUpdate"
    return {
        "type": kind,
        "time": _stamp(event.time, now),
        "tenantId": event.tenant_id,
        "deviceId": event.device_id,
        "senderId": event.sender_id,
        "payload": {"value": dict(event.value)},
    }


def event_message(event: EventReported, now: datetime) -> dict[str, Any]:
    body = event.event
    created_at = _stamp(body.get("createdAt"), now)
    value = body.get("value")
    value = value if isinstance(value, dict) else {}
    payload = {"type": str(body.get("type", "")), "value": value, "createdAt": created_at}
    return {
        "type": "eventUpdate",
        "time": created_at,
        "tenantId": event.tenant_id,
        "deviceId": event.device_id,
        "senderId": event.sender_id,
        "payload": payload,
    }


def _content_names(message: dict[str, Any]) -> list[str]:
    payload = message["payload"]
    if message["type"] == "eventUpdate":
        return [payload["type"]]
    return list(payload["value"])


def matches(conditions: dict[str, list[str]], message: dict[str, Any], facts: Callable[[], DeviceFacts]) -> bool:
    """Does the message pass the (normalized) filter? `facts` is called only if a device condition is set."""
    kind = message["type"]
    if "type" in conditions and kind not in conditions["type"]:
        return False
    if "deviceId" in conditions and message["deviceId"] not in conditions["deviceId"]:
        return False
    content_key = CONTENT_KEYS.get(kind)
    if content_key in conditions and not set(conditions[content_key]) & set(_content_names(message)):
        return False
    if not DEVICE_KEYS & conditions.keys():
        return True
    device = facts()
    if "tag" in conditions and not any(matches_any(tag, conditions["tag"]) for tag in device.tags):
        return False
    if "deviceTypeId" in conditions and device.device_type_id not in conditions["deviceTypeId"]:
        return False
    categories = conditions.get("deviceTypeCategory")
    return categories is None or bool(set(categories) & set(device.categories))
