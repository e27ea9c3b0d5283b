"""OLT topic names and the topic-level access rules (facts F.3; pure, no broker types).

Devices publish only to the two ingest topics and subscribe only to `devices/<id>/<kind>` of
themselves or of the devices they connect; wildcards are allowed only in the last level of
such a device's own topics (`devices/<id>/+`, `devices/<id>/#`).
"""

from __future__ import annotations

DATA_INGEST = "data-ingest"
EVENT_INGEST = "event-ingest"
INGEST_TOPICS = frozenset({DATA_INGEST, EVENT_INGEST})
CONFIGURATION = "configuration"
ACTIONS = "actions"
FIRMWARE_INSTALLATIONS = "firmware-installations"
DOWNLINK_KINDS = frozenset({CONFIGURATION, ACTIONS, FIRMWARE_INSTALLATIONS})
_LAST_LEVEL_WILDCARDS = frozenset({"+", "#"})


def downlink_topic(device_id: str, kind: str) -> str:
    """`devices/<id>/<kind>`: where the platform publishes to a device (or its gateway)."""
    if kind not in DOWNLINK_KINDS:
        raise ValueError(f"unknown downlink kind {kind!r}")
    return f"devices/{device_id}/{kind}"


def filter_device(topic_filter: str) -> str | None:
    """The one device whose downlink topics `topic_filter` covers, else None (not subscribable)."""
    parts = topic_filter.split("/")
    if len(parts) != 3 or parts[0] != "devices":
        return None
    device_id, kind = parts[1], parts[2]
    if not device_id or "+" in device_id or "#" in device_id:
        return None
    if kind in DOWNLINK_KINDS or kind in _LAST_LEVEL_WILDCARDS:
        return device_id
    return None


def matching_filters(topic: str) -> tuple[str, ...]:
    """Every subscription filter that `filter_device` admits and that matches the downlink `topic`."""
    device_prefix = topic.rsplit("/", 1)[0]
    return (topic, f"{device_prefix}/+", f"{device_prefix}/#")
