"""The standalone `/timeseries` resource: named tenant series whose points must fit `dataType`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from simulator.core.changes import records_change
from simulator.core.clock import iso, parse_time
from simulator.core.errors import BadRequest, not_found
from simulator.core.patch import UNSET, Unset
from simulator.services.timeseries.aggregation import (
    aggregate,
    aggregated_range,
    last_hour,
    optional_range,
    points,
    stamp,
)
from simulator.services.timeseries.inputs import NewDataPoint, Scalar, TimeseriesSelection
from simulator.services.timeseries.storage import Series

if TYPE_CHECKING:
    from simulator.runtime import Simulator


@dataclass
class StandaloneTimeseries:
    id: str
    tenant_id: str
    name: str
    data_type: dict[str, Any]
    metadata: dict[str, Scalar]
    created_at: datetime
    updated_at: datetime
    series: Series = field(default_factory=Series)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "dataType": self.data_type,
            "metadata": self.metadata,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }


@lru_cache(maxsize=256)
def _compiled(schema_text: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_text), format_checker=FormatChecker())


def validator(data_type: dict[str, Any]) -> Draft202012Validator:
    """A compiled validator per distinct dataType (cached: ingest validates many points)."""
    return _compiled(json.dumps(data_type, sort_keys=True))


def check_data_type(data_type: dict[str, Any]) -> None:
    try:
        Draft202012Validator.check_schema(data_type)
    except SchemaError as error:
        raise BadRequest(
            "dataType is not a valid JSON Schema",
            code="INVALID_DATA_TYPE",
            details=[{"path": "dataType", "message": error.message}],
        ) from None


def _text(value: Any) -> str:
    """Metadata values compared as text, booleans in JSON spelling (query strings carry only text)."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def metadata_matches(metadata: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return all(key in metadata and _text(metadata[key]) == _text(value) for key, value in wanted.items())


@dataclass(frozen=True)
class TimeseriesChanges:
    """PATCH /timeseries/{id}: only the fields given change."""

    name: str | Unset = UNSET
    data_type: dict[str, Any] | Unset = UNSET
    metadata: dict[str, Scalar] | Unset = UNSET

    @classmethod
    def from_api(cls, body: dict[str, Any]) -> TimeseriesChanges:
        return cls(body.get("name", UNSET), body.get("dataType", UNSET), body.get("metadata", UNSET))


#: lists every standalone timeseries of a tenant
EVERY_TIMESERIES = TimeseriesSelection()


class StandaloneBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def _tenant(self) -> dict[str, dict[str, StandaloneTimeseries]]:
        return self.sim.state.timeseries.standalone

    def _get(self, tenant_id: str, timeseries_id: str) -> StandaloneTimeseries:
        found = self._tenant.get(tenant_id, {}).get(timeseries_id)
        if found is None:
            raise not_found("Timeseries", timeseries_id)
        return found

    @records_change("createTimeseries", created=True)
    def create_timeseries(
        self, tenant_id: str, name: str, data_type: dict[str, Any], metadata: dict[str, Scalar] | None = None
    ) -> StandaloneTimeseries:
        check_data_type(data_type)
        now = self.sim.clock.now()
        item = StandaloneTimeseries(self.sim.random.uuid(), tenant_id, name, data_type, dict(metadata or {}), now, now)
        self._tenant.setdefault(tenant_id, {})[item.id] = item
        return item

    def list_timeseries(
        self, tenant_id: str, selection: TimeseriesSelection = EVERY_TIMESERIES
    ) -> list[StandaloneTimeseries]:
        """Newest first; ids OR together, metadata keys AND together (the dump requests select alike)."""
        found = list(reversed(self._tenant.get(tenant_id, {}).values()))
        if selection.ids:
            wanted = set(selection.ids)
            found = [t for t in found if t.id in wanted]
        if selection.metadata:
            metadata = selection.metadata
            found = [t for t in found if metadata_matches(t.metadata, metadata)]
        return found

    def get_timeseries(self, tenant_id: str, timeseries_id: str) -> StandaloneTimeseries:
        return self._get(tenant_id, timeseries_id)

    @records_change("updateTimeseries", resource="timeseries_id")
    def update_timeseries(self, tenant_id: str, timeseries_id: str, changes: TimeseriesChanges) -> StandaloneTimeseries:
        """Partial edit; `metadata` replaces the previous metadata. Stored points are kept as they are."""
        item = self._get(tenant_id, timeseries_id)
        if not isinstance(changes.data_type, Unset):
            check_data_type(changes.data_type)
            item.data_type = changes.data_type
        if not isinstance(changes.name, Unset):
            item.name = changes.name
        if not isinstance(changes.metadata, Unset):
            item.metadata = dict(changes.metadata)
        item.updated_at = self.sim.clock.now()
        return item

    @records_change("deleteTimeseries", resource="timeseries_id")
    def delete_timeseries(self, tenant_id: str, timeseries_id: str) -> None:
        self._get(tenant_id, timeseries_id)
        del self._tenant[tenant_id][timeseries_id]

    @records_change("createTimeseriesDataPoints", created=True, resource="timeseries_id")
    def create_timeseries_data_points(
        self, tenant_id: str, timeseries_id: str, data: Sequence[NewDataPoint]
    ) -> list[dict[str, Any]]:
        """All points or none: every value must satisfy dataType. Missing times default to now."""
        item = self._get(tenant_id, timeseries_id)
        check = validator(item.data_type)
        problems = [
            {"path": ".".join(["data", str(i), "value", *map(str, error.absolute_path)]), "message": error.message}
            for i, point in enumerate(data)
            for error in check.iter_errors(point.value)
        ]
        if problems:
            raise BadRequest(
                "Data points do not match the timeseries dataType", code="SCHEMA_VALIDATION_FAILED", details=problems
            )
        now = self.sim.clock.time()
        stored = []
        for point in data:
            at = parse_time(point.time).timestamp() if point.time else now
            item.series.append(at, point.value)
            stored.append({"time": stamp(at), "value": point.value})
        return stored

    @records_change("deleteTimeseriesDataPoints", resource="timeseries_id")
    def delete_timeseries_data_points(
        self, tenant_id: str, timeseries_id: str, start_time: str | None = None, end_time: str | None = None
    ) -> int:
        item = self._get(tenant_id, timeseries_id)
        start, end = optional_range(start_time, end_time)
        return item.series.delete(start, end)

    def get_timeseries_last_data_points(self, tenant_id: str, timeseries_id: str) -> list[dict[str, Any]]:
        item = self._get(tenant_id, timeseries_id)
        return points(last_hour(item.series, self.sim.clock.time()))

    def get_timeseries_aggregated_data_points(
        self,
        tenant_id: str,
        timeseries_id: str,
        start_time: str,
        end_time: str,
        aggregation: str,
        frame_size: str | None = None,
    ) -> list[tuple[float, Any]]:
        """(frame start, value) of every non-empty frame, newest first: the endpoint pages and renders
        them (no frame cap here, unlike the device variant)."""
        item = self._get(tenant_id, timeseries_id)
        start, end = aggregated_range(start_time, end_time, aggregation, frame_size)
        return aggregate(item.series, start, end, aggregation, frame_size)
