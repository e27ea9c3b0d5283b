"""What the notifications backend takes: typed inputs, built from the API's bodies in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.core.patch import UNSET, Unset


@dataclass(frozen=True)
class NewNotification:
    """POST /notifications: a message template sent when a device event or report passes the filter."""

    template: Mapping[str, Any]
    filter: Mapping[str, Any]
    active: bool = True

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> NewNotification:
        return cls(body["notificationTemplate"], body["notificationFilter"], bool(body.get("active", True)))


@dataclass(frozen=True)
class NotificationChanges:
    """PUT (every field) or PATCH (any of them) /notifications/{id}: what was sent replaces what is stored."""

    template: Mapping[str, Any] | Unset = UNSET
    filter: Mapping[str, Any] | Unset = UNSET
    active: bool | Unset = UNSET

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> NotificationChanges:
        return cls(
            body.get("notificationTemplate", UNSET),
            body.get("notificationFilter", UNSET),
            bool(body["active"]) if "active" in body else UNSET,
        )
