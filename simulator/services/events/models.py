"""Recent device events and diagnostics entries (each read back for the last hour)."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from simulator.core import undo
from simulator.core.clock import iso
from simulator.core.events import DiagnosticRecorded
from simulator.services.backend import Backend

WINDOW_SECONDS = 3600
MAX_PER_DEVICE = 4000


DIAGNOSTIC_EXCERPT = 1024  # characters of a payload (or message) a diagnostics entry echoes at most


def excerpt(text: str, limit: int = DIAGNOSTIC_EXCERPT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def bounded_payload(payload: Any) -> Any:
    """The payload as given when small; a bounded text excerpt otherwise (a device can send 256 KiB)."""
    if payload is None:
        return None
    text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"), default=str)
    if len(text) <= DIAGNOSTIC_EXCERPT:
        return payload
    return excerpt(text)


@dataclass
class Recorded:
    """One stored item with its epoch time, so the last-hour window is a cheap scan."""

    at: float
    body: dict[str, Any]


@dataclass
class EventsStore:
    events: dict[str, deque[Recorded]] = field(default_factory=dict)  # device id -> oldest..newest
    diagnostics: dict[str, deque[Recorded]] = field(default_factory=dict)


class EventsBackend(Backend[EventsStore]):
    store_field = "events"

    def record_event(self, device_id: str, event: dict[str, Any]) -> None:
        self._append(self.store.events, device_id, event)

    def record_diagnostic(
        self,
        tenant_id: str,
        device_id: str,
        *,
        source: str,
        code: str,
        message: str,
        payload: Any = None,
        sender_id: str | None = None,
        level: str = "error",
    ) -> dict[str, Any]:
        """Write a diagnostics entry (bad payloads, connection lifecycle) and announce it on the bus.

        Inside a transaction the entry outlives a rollback: it describes the failure that caused it."""
        txn = undo.current()
        if txn is not None:
            txn.after_rollback.append(
                partial(
                    self.record_diagnostic,
                    tenant_id,
                    device_id,
                    source=source,
                    code=code,
                    message=message,
                    payload=payload,
                    sender_id=sender_id,
                    level=level,
                )
            )
        entry = {
            "id": self.sim.random.uuid(),
            "time": iso(self.sim.clock.now()),
            "deviceId": device_id,
            "senderId": sender_id or device_id,
            "source": source,
            "level": level,
            "code": code,
            "message": excerpt(message),
            "payload": bounded_payload(payload),
        }
        self._append(self.store.diagnostics, device_id, entry)
        self.sim.bus.publish(DiagnosticRecorded(tenant_id, device_id, entry))
        return entry

    def _append(self, table: dict[str, deque[Recorded]], device_id: str, body: dict[str, Any]) -> None:
        items = table.get(device_id)
        if items is None:
            items = table[device_id] = deque(maxlen=MAX_PER_DEVICE)
        items.append(Recorded(self.sim.clock.time(), body))

    def _last_hour(self, table: dict[str, deque[Recorded]], device_id: str) -> list[dict[str, Any]]:
        since = self.sim.clock.time() - WINDOW_SECONDS
        return [r.body for r in reversed(table.get(device_id, ())) if r.at >= since]

    def last_events(self, device_id: str, event_types: list[str] | None = None) -> list[dict[str, Any]]:
        events = self._last_hour(self.store.events, device_id)
        if event_types:
            wanted = set(event_types)
            events = [e for e in events if e.get("type") in wanted]
        return events

    def last_diagnostics(self, device_id: str) -> list[dict[str, Any]]:
        return self._last_hour(self.store.diagnostics, device_id)

    def forget_device(self, device_id: str) -> None:
        self.store.events.pop(device_id, None)
        self.store.diagnostics.pop(device_id, None)
