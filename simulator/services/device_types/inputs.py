"""What the device-types backend takes: typed inputs, built from the API's bodies in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.core.patch import UNSET, Unset, given

#: API key -> attribute of the fields a device type has besides its name
API_FIELDS = {
    "name": "name",
    "schema": "schema",
    "manufacturer": "manufacturer",
    "model": "model",
    "description": "description",
    "categories": "categories",
    "reportingRules": "reporting_rules",
    "slots": "slots",
    "communicationInterval": "communication_interval",
}


@dataclass(frozen=True)
class NewDeviceType:
    """POST /device-types. `reporting_rules` keep the API's shape ({"path", "reportTo"}): they are stored so."""

    name: str
    # what devices of the type must send, and what of it is kept as timeseries
    schema: Mapping[str, Any] = field(default_factory=dict)
    reporting_rules: list[dict[str, Any]] | None = None
    # what the type is
    manufacturer: str | None = None
    model: str | None = None
    description: str | None = None
    categories: Sequence[str] | None = None
    # firmware slots and online monitoring
    slots: Mapping[str, Any] = field(default_factory=dict)
    communication_interval: int | None = None

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> NewDeviceType:
        return cls(
            name=body["name"],
            schema=body.get("schema") or {},
            manufacturer=body.get("manufacturer"),
            model=body.get("model"),
            description=body.get("description"),
            categories=body.get("categories"),
            reporting_rules=body.get("reportingRules"),
            slots=body.get("slots") or {},
            communication_interval=body.get("communicationInterval"),
        )


@dataclass(frozen=True)
class DeviceTypeChanges:
    """PATCH /device-types/{id}: given fields change, None clears; `schema` and `slots` are merge patches."""

    name: str | Unset | None = UNSET
    schema: Mapping[str, Any] | Unset | None = UNSET
    manufacturer: str | Unset | None = UNSET
    model: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    categories: Sequence[str] | Unset | None = UNSET
    reporting_rules: list[dict[str, Any]] | Unset | None = UNSET
    slots: Mapping[str, Any] | Unset | None = UNSET
    communication_interval: int | Unset | None = UNSET

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> DeviceTypeChanges:
        return cls(**{attribute: body[key] for key, attribute in API_FIELDS.items() if key in body})

    def given(self) -> dict[str, Any]:
        """attribute -> value of every field that was sent."""
        return given(self)


@dataclass(frozen=True)
class DeviceTypeFilter:
    """GET /device-types: kinds AND together, values of one kind OR; an empty kind does not filter.

    Names match ignoring case, with `*` wildcards.
    """

    names: Sequence[str] = ()
    categories: Sequence[str] = ()
    ids: Sequence[str] = ()

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> DeviceTypeFilter:
        return cls(
            names=raw.get("deviceTypeName") or (),
            categories=raw.get("deviceTypeCategory") or (),
            ids=raw.get("deviceTypeId") or (),
        )
