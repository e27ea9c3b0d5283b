"""What the devices backend takes: typed inputs, built from the API's camelCase bodies in one place.

Endpoints call `NewDevice.from_api(body)` / `DeviceChanges.from_api(body)`; Python callers
(scenarios, fixtures, tests) build the dataclasses directly, without pretending to be HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.core.patch import UNSET, Unset, given

__all__ = ["UNSET", "DeviceChanges", "NewDevice", "Unset"]

#: API info key -> attribute, for both inputs
INFO_FIELDS = {
    "name": "name",
    "deviceTypeId": "device_type_id",
    "description": "description",
    "tags": "tags",
    "aliases": "aliases",
    "connectedBy": "connected_by",
    "location": "location",
    "coordinates": "coordinates",
    "installationTimestamp": "installation_timestamp",
}


@dataclass(frozen=True)
class NewDevice:
    """POST /devices."""

    name: str
    device_type_id: str
    description: str = ""
    tags: Sequence[str] = ()
    aliases: Sequence[str] = ()
    connected_by: str | None = None
    location: str = ""
    coordinates: Mapping[str, Any] = field(default_factory=dict)
    installation_timestamp: str | datetime | None = None
    configuration: dict[str, Any] = field(default_factory=dict)  # desired configuration
    custom: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> NewDevice:
        info = body["info"]
        return cls(
            name=info.get("name"),
            device_type_id=info["deviceTypeId"],
            description=info.get("description") or "",
            tags=info.get("tags") or (),
            aliases=info.get("aliases") or (),
            connected_by=info.get("connectedBy"),
            location=info.get("location") or "",
            coordinates=info.get("coordinates") or {},
            installation_timestamp=info.get("installationTimestamp"),
            configuration=body.get("configuration") or {},
            custom=body.get("custom") or {},
        )


@dataclass(frozen=True)
class DeviceChanges:
    """PATCH /devices/{id}: only the fields given change; `configuration` and `custom` are merge patches."""

    name: str | Unset | None = UNSET
    device_type_id: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    tags: Sequence[str] | Unset | None = UNSET
    aliases: Sequence[str] | Unset | None = UNSET
    connected_by: str | Unset | None = UNSET
    location: str | Unset | None = UNSET
    coordinates: Mapping[str, Any] | Unset | None = UNSET
    installation_timestamp: str | datetime | Unset | None = UNSET
    configuration: dict[str, Any] | Unset | None = UNSET
    custom: dict[str, Any] | Unset | None = UNSET

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> DeviceChanges:
        info = dict(body.get("info") or {})
        if "tags" in body:  # the top-level `tags` of the PATCH body wins over info.tags
            info["tags"] = body["tags"]
        given: dict[str, Any] = {INFO_FIELDS[k]: v for k, v in info.items() if k in INFO_FIELDS}
        for key in ("configuration", "custom"):
            if key in body:
                given[key] = body[key]
        return cls(**given)

    def given(self) -> dict[str, Any]:
        """attribute -> value of every field that was sent."""
        return given(self)
