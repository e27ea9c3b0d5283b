"""Notifications: filters over device events that "send" a templated message (facts A.5, D.15, I.27).

Nothing is e-mailed: a triggered notification is appended to the tenant's history. Filter
conditions are ANDed, the values inside each array ORed; a missing or empty condition means any.
`deviceEvent`, `deviceId`, `deviceTag` (case-insensitive, `*` wildcards) and `deviceTypeId` are
evaluated against events. A filter naming `deviceAttribute` or `deviceConfiguration` keys is
evaluated against reported data instead (a report matches when it carries one of those keys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.core.changes import records_change
from simulator.core.clock import iso
from simulator.core.errors import not_found
from simulator.core.events import DataReported, DataReportedBatch, EventReported
from simulator.core.filters import matches_any
from simulator.core.patch import Unset
from simulator.services.backend import Backend
from simulator.services.notifications.inputs import NewNotification, NotificationChanges

if TYPE_CHECKING:
    from simulator.runtime import Simulator

MAX_HISTORY_PER_TENANT = 10_000
DATA_KEYS = {"deviceAttribute": "attributes", "deviceConfiguration": "configuration"}


@dataclass
class Notification:
    id: str
    active: bool
    template: dict[str, Any]
    filter: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    #: the API form, shared by the history entries of this version (cleared by `changed`)
    api: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def to_api(self) -> dict[str, Any]:
        if self.api is None:
            self.api = {
                "id": self.id,
                "active": self.active,
                "notificationTemplate": self.template,
                "notificationFilter": self.filter,
                "createdAt": iso(self.created_at),
                "updatedAt": iso(self.updated_at),
            }
        return self.api

    def changed(self, at: datetime) -> None:
        self.updated_at, self.api = at, None

    @property
    def watches_data(self) -> bool:
        return any(self.filter.get(key) for key in DATA_KEYS)


@dataclass
class HistoryEntry:
    id: str
    notification_id: str
    triggered_at: datetime
    trigger: dict[str, Any]
    notification: dict[str, Any]  # the notification as it was when triggered

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "notificationId": self.notification_id,
            "triggeredAt": iso(self.triggered_at),
            "trigger": self.trigger,
            "notification": self.notification,
        }


@dataclass
class NotificationsStore:
    #: tenant id -> notification id -> notification, in creation order
    notifications: dict[str, dict[str, Notification]] = field(default_factory=dict)
    #: tenant id -> history entries, oldest first (bounded)
    history: dict[str, list[HistoryEntry]] = field(default_factory=dict)


def _values(condition: Any) -> list[str]:
    if condition is None:
        return []
    return [str(v) for v in (condition if isinstance(condition, list) else [condition])]


class NotificationsBackend(Backend[NotificationsStore]):
    store_field = "notifications"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        sim.bus.subscribe(EventReported, self._on_event)
        sim.bus.subscribe(DataReported, self._on_data, batch=self._on_data_batch)

    # ------------------------------------------------------------------ CRUD

    @records_change("createNotification", created=True)
    def create_notification(self, tenant_id: str, new: NewNotification) -> Notification:
        now = self.sim.clock.now()
        notification = Notification(
            id=self.sim.random.uuid(),
            active=new.active,
            template=dict(new.template),
            filter=dict(new.filter),
            created_at=now,
            updated_at=now,
        )
        self.store.notifications.setdefault(tenant_id, {})[notification.id] = notification
        return notification

    def list_notifications(self, tenant_id: str) -> list[Notification]:
        """Newest first."""
        return list(reversed(self.store.notifications.get(tenant_id, {}).values()))

    def get_notification(self, tenant_id: str, notification_id: str) -> Notification:
        notification = self.store.notifications.get(tenant_id, {}).get(notification_id)
        if notification is None:
            raise not_found("Notification", notification_id)
        return notification

    @records_change("replaceNotification", resource="notification_id")
    def replace_notification(self, tenant_id: str, notification_id: str, changes: NotificationChanges) -> Notification:
        return self.update_notification(tenant_id, notification_id, changes)

    @records_change("updateNotification", resource="notification_id")
    def update_notification(self, tenant_id: str, notification_id: str, changes: NotificationChanges) -> Notification:
        """The fields sent replace the stored ones (PUT sends all of them, PATCH any subset)."""
        notification = self.get_notification(tenant_id, notification_id)
        if not isinstance(changes.active, Unset):
            notification.active = changes.active
        if not isinstance(changes.template, Unset):
            notification.template = dict(changes.template)
        if not isinstance(changes.filter, Unset):
            notification.filter = dict(changes.filter)
        notification.changed(self.sim.clock.now())
        return notification

    @records_change("deleteNotification", resource="notification_id")
    def delete_notification(self, tenant_id: str, notification_id: str) -> None:
        self.get_notification(tenant_id, notification_id)
        del self.store.notifications[tenant_id][notification_id]

    def list_notification_history(
        self, tenant_id: str, notification_ids: list[str] | None = None
    ) -> list[HistoryEntry]:
        """Newest first, optionally only for some notifications."""
        entries = reversed(self.store.history.get(tenant_id, []))
        if not notification_ids:
            return list(entries)
        wanted = set(notification_ids)
        return [e for e in entries if e.notification_id in wanted]

    # ------------------------------------------------------------------ evaluation

    def _on_event(self, event: EventReported) -> None:
        event_type = str(event.event.get("type"))

        def is_watched_event(n: Notification) -> bool:
            types = _values(n.filter.get("deviceEvent"))
            return not n.watches_data and (not types or event_type in types)

        def trigger() -> dict[str, Any]:
            return {**event.event, "deviceId": event.device_id, "senderId": event.sender_id}

        self._evaluate(event.tenant_id, event.device_id, trigger, is_watched_event)

    def _on_data(self, event: DataReported) -> None:
        def trigger() -> dict[str, Any]:
            return {
                "kind": event.kind,
                "deviceId": event.device_id,
                "senderId": event.sender_id,
                "value": event.value,
                "time": event.time,
            }

        def carries_watched_key(n: Notification) -> bool:
            if not n.watches_data or _values(n.filter.get("deviceEvent")):
                return False
            for key, kind in DATA_KEYS.items():
                names = _values(n.filter.get(key))
                if names and (kind != event.kind or not set(names) & set(event.value)):
                    return False
            return True

        self._evaluate(event.tenant_id, event.device_id, trigger, carries_watched_key)

    def _on_data_batch(self, batch: DataReportedBatch) -> None:
        """Many reports at once: a tenant without active notifications is skipped once for all."""
        notifications = self.store.notifications.get(batch.tenant_id)
        if notifications and any(n.active for n in notifications.values()):
            for event in batch.items():
                self._on_data(event)

    def _evaluate(
        self,
        tenant_id: str,
        device_id: str,
        trigger: Callable[[], dict[str, Any]],
        kind_matches: Callable[[Notification], bool],
    ) -> None:
        notifications = self.store.notifications.get(tenant_id)
        candidates = [n for n in notifications.values() if n.active and kind_matches(n)] if notifications else []
        if not candidates:
            return
        device = self.sim.devices.find_device(tenant_id, device_id)
        body, now = trigger(), self.sim.clock.now()
        for notification in candidates:
            if self._device_matches(notification.filter, device_id, device):
                self._trigger(tenant_id, notification, body, now)

    @staticmethod
    def _device_matches(conditions: dict[str, Any], device_id: str, device: Any) -> bool:
        ids = _values(conditions.get("deviceId"))
        if ids and device_id not in ids:
            return False
        tags = _values(conditions.get("deviceTag"))
        if tags and not any(matches_any(tag, tags) for tag in (device.tags if device else [])):
            return False
        type_ids = _values(conditions.get("deviceTypeId"))
        return not type_ids or (device is not None and device.device_type_id in type_ids)

    def _trigger(self, tenant_id: str, notification: Notification, trigger: dict[str, Any], now: datetime) -> None:
        history = self.store.history.setdefault(tenant_id, [])
        history.append(HistoryEntry(self.sim.random.uuid(), notification.id, now, trigger, notification.to_api()))
        if len(history) > MAX_HISTORY_PER_TENANT * 1.1:  # trim in chunks: amortised O(1) per entry
            del history[: len(history) - MAX_HISTORY_PER_TENANT]
