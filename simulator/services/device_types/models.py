"""Device types: schema sections, reporting rules, categories, slots, online monitoring."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.core.changes import records_change
from simulator.core.clock import iso
from simulator.core.errors import Conflict, Forbidden, not_found
from simulator.core.filters import matches_any
from simulator.core.patch import merge_patch
from simulator.services.backend import Backend
from simulator.services.device_types.inputs import DeviceTypeChanges, DeviceTypeFilter, NewDeviceType
from simulator.services.device_types.schema import (
    CompiledSchema,
    Problem,
    ReportingRule,
    check_schema,
    compile_rules,
    normalise_rules,
    normalise_schema,
)

#: Scalar fields a PATCH may set or (with null) clear; `schema` and `slots` are merge-patched.
PLAIN_FIELDS = ("name", "manufacturer", "model", "description", "categories", "communication_interval")
#: lists every device type
EVERY_TYPE = DeviceTypeFilter()


@dataclass
class DeviceType:
    id: str
    tenant_id: str
    name: str
    schema: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    manufacturer: str | None = None
    model: str | None = None
    description: str | None = None
    categories: list[str] | None = None
    reporting_rules: list[dict[str, Any]] | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    communication_interval: int | None = None

    def __post_init__(self) -> None:
        self.invalidate()

    def invalidate(self) -> None:
        """Forget compiled validators and rules (called whenever schema or rules change)."""
        self._compiled: CompiledSchema | None = None
        self._rules: list[ReportingRule] | None = None
        self._timeseries_rules: list[ReportingRule] | None = None

    @property
    def compiled(self) -> CompiledSchema:
        if self._compiled is None:
            self._compiled = CompiledSchema(self.schema)
        return self._compiled

    def rules(self) -> list[ReportingRule]:
        """Every reporting rule with its parsed JSONPath."""
        if self._rules is None:
            self._rules = compile_rules(self.reporting_rules)
        return self._rules

    def timeseries_rules(self) -> list[ReportingRule]:
        """The rules whose matches go to timeseries (the pipeline evaluates `rule.expression`; kept
        until the rules change, as it asks for every message)."""
        if self._timeseries_rules is None:
            self._timeseries_rules = [r for r in self.rules() if "timeseries" in r.report_to]
        return self._timeseries_rules

    def section_problems(self, section: str, value: Any, prefix: str = "value") -> list[Problem]:
        """Problems of an attributes/configuration value (empty: it fits the schema)."""
        return self.compiled.section_problems(section, value, prefix)

    def event_problems(self, event_type: str, value: Any, prefix: str = "value") -> list[Problem]:
        return self.compiled.entry_problems("events", event_type, value, prefix)

    def action_problems(self, action: str, payload: Any, prefix: str = "payload") -> list[Problem]:
        return self.compiled.entry_problems("actions", action, payload, prefix)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "description": self.description,
            "categories": self.categories,
            "reportingRules": self.reporting_rules,
            "schema": self.schema,
            "slots": self.slots,
            "communicationInterval": self.communication_interval,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }


@dataclass
class DeviceTypesStore:
    types: dict[str, dict[str, DeviceType]] = field(default_factory=dict)  # tenant -> id -> type (oldest first)


def _validated(schema: dict[str, Any], rules: list[dict[str, Any]] | None) -> tuple[dict[str, Any], Any]:
    schema = normalise_schema(schema)
    check_schema(schema)
    compile_rules(rules)
    return schema, normalise_rules(rules)


class DeviceTypesBackend(Backend[DeviceTypesStore]):
    store_field = "device_types"

    def types_of(self, tenant_id: str) -> dict[str, DeviceType]:
        return self.store.types.get(tenant_id, {})

    def find_device_type(self, tenant_id: str, type_id: str) -> DeviceType | None:
        return self.types_of(tenant_id).get(type_id)

    def get_device_type(self, tenant_id: str, type_id: str) -> DeviceType:
        found = self.find_device_type(tenant_id, type_id)
        if found is None:
            raise not_found("Device type", type_id)
        return found

    @records_change("createDeviceType", created=True)
    def create_device_type(self, tenant_id: str, new: NewDeviceType) -> DeviceType:
        schema, rules = _validated(dict(new.schema), new.reporting_rules)
        now = self.sim.clock.now()
        dtype = DeviceType(
            id=self.sim.random.uuid(),
            tenant_id=tenant_id,
            name=new.name,
            schema=schema,
            created_at=now,
            updated_at=now,
            manufacturer=new.manufacturer,
            model=new.model,
            description=new.description,
            categories=list(new.categories) if new.categories is not None else None,
            reporting_rules=rules,
            slots=dict(new.slots),
            communication_interval=new.communication_interval,
        )
        self.store.types.setdefault(tenant_id, {})[dtype.id] = dtype
        return dtype

    def list_device_types(self, tenant_id: str, type_filter: DeviceTypeFilter = EVERY_TYPE) -> list[DeviceType]:
        """Newest first; name (case-insensitive, `*`), category and id filters AND together."""
        names, categories, ids = type_filter.names, type_filter.categories, type_filter.ids
        found = []
        for dtype in reversed(self.types_of(tenant_id).values()):
            if names and not matches_any(dtype.name, names):
                continue
            if categories and not set(categories).intersection(dtype.categories or ()):
                continue
            if ids and dtype.id not in ids:
                continue
            found.append(dtype)
        return found

    def list_device_type_categories(self, tenant_id: str) -> list[str]:
        return sorted({c for t in self.types_of(tenant_id).values() for c in t.categories or ()})

    @records_change("updateDeviceType", resource="type_id")
    def update_device_type(self, tenant_id: str, type_id: str, changes: DeviceTypeChanges) -> DeviceType:
        """Partial update: given fields change, `null` clears; `schema`/`slots` merge key by key."""
        dtype = self.get_device_type(tenant_id, type_id)
        patch = changes.given()
        schema = dtype.schema
        if "schema" in patch:
            schema = merge_patch(dtype.schema, normalise_schema(dict(patch["schema"] or {})))
        rules = patch.get("reporting_rules", dtype.reporting_rules)
        schema, rules = _validated(schema, rules)
        for attribute in PLAIN_FIELDS:
            if attribute in patch:
                setattr(dtype, attribute, patch[attribute])
        if "slots" in patch:
            dtype.slots = merge_patch(dtype.slots, dict(patch["slots"] or {}))
        dtype.schema, dtype.reporting_rules = schema, rules
        dtype.updated_at = self.sim.clock.now()
        dtype.invalidate()
        return dtype

    @records_change("deleteDeviceType", resource="type_id")
    def delete_device_type(self, tenant_id: str, type_id: str) -> None:
        self.get_device_type(tenant_id, type_id)
        if self.sim.devices.type_in_use(tenant_id, type_id):
            raise Conflict(
                "DeviceType can not be deleted. It is being used by active devices.", code="DEVICE_TYPE_IN_USE"
            )
        del self.store.types[tenant_id][type_id]

    def _monitored(self, tenant_id: str, type_id: str) -> DeviceType:
        """Online monitoring answers 403 for unknown types ("Forbidden or not found", facts A.3)."""
        dtype = self.find_device_type(tenant_id, type_id)
        if dtype is None:
            raise Forbidden(f"Device type {type_id} was not found or you do not have access to it")
        return dtype

    def get_device_type_online_monitoring(self, tenant_id: str, type_id: str) -> dict[str, Any]:
        return {"communicationInterval": self._monitored(tenant_id, type_id).communication_interval}

    @records_change("updateDeviceTypeOnlineMonitoring", resource="type_id")
    def update_device_type_online_monitoring(
        self, tenant_id: str, type_id: str, interval: int | None
    ) -> dict[str, Any]:
        dtype = self._monitored(tenant_id, type_id)
        dtype.communication_interval = interval
        dtype.updated_at = self.sim.clock.now()
        return {"communicationInterval": interval}
