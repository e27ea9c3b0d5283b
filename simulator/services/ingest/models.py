"""The one device-data pipeline: HTTP ingest, MQTT uplink and virtual devices all come through here.

resolve sender and target -> validate against the device type's schema -> update state ->
reporting rules -> timeseries -> bus events. Any failure writes a diagnostics entry and raises,
so HTTP answers it and MQTT (which has no answer channel) only leaves the diagnostics entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn

from simulator.core import undo
from simulator.core.actors import current_actor
from simulator.core.changes import records_change
from simulator.core.clock import iso, parse_time
from simulator.core.errors import BadRequest, NotFound, SimError
from simulator.core.events import DataReported, DataReportedBatch, EventReported
from simulator.services.ingest.rules import DATA_KINDS, Extractor, extractors
from simulator.services.timeseries.models import append_point
from simulator.services.timeseries.storage import Series

if TYPE_CHECKING:
    from simulator.runtime import Simulator
    from simulator.services.device_types.models import DeviceType
    from simulator.services.device_types.schema import ReportingRule
    from simulator.services.devices.models import Device


#: What a batch needs of a device type: its schema check for one data section, its timeseries extractors.
TypeChecks = tuple[Callable[[Any], bool], tuple[Extractor, ...]]


class IngestBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._now_at = float("nan")  # clock time of the cached `_now_cache`
        self._now_cache: tuple[datetime, str] = (datetime.fromtimestamp(0, UTC), "")
        #: (device type id, kind) -> (its timeseries rules, their extractors for that kind)
        self._extractors: dict[tuple[str, str], tuple[list[ReportingRule], tuple[Extractor, ...]]] = {}

    def _now(self) -> tuple[datetime, str]:
        """The clock's now and its RFC 3339 text, made once per distinct clock time (a stepped run
        delivers thousands of messages at each moment)."""
        at = self.sim.clock.time()
        if at != self._now_at:
            moment = datetime.fromtimestamp(at, UTC)
            self._now_at, self._now_cache = at, (moment, iso(moment))
        return self._now_cache

    # ------------------------------------------------------------------ entry points

    @records_change("ingestData", telemetry=True)
    def ingest_data(
        self,
        tenant_id: str,
        *,
        sender_id: str,
        device_id: str,
        kind: str,
        value: dict[str, Any],
        time: str | datetime | None = None,
        source: str = "http",
        receipt: bool = True,
    ) -> dict[str, str]:
        """Attributes or configuration reported by (or for) a device; returns {id, receivedAt}
        (an empty dict with `receipt=False`: in-process devices have no one to answer)."""
        undo.unhook_while_idle()  # a reading outside a transaction pays nothing for rollback
        payload = {"type": kind, "value": value, "deviceId": device_id, "senderId": sender_id}
        if time is not None:
            payload["time"] = iso(time) if isinstance(time, datetime) else time
        message = Message(self, tenant_id, "data-ingest", source, sender_id, device_id, payload)
        sender, target = message.resolve(missing=BadRequest)
        dtype = self.sim.device_types.get_device_type(tenant_id, target.device_type_id)
        if kind not in DATA_KINDS:
            message.reject(target, "INVALID_TYPE", f"type must be one of {', '.join(DATA_KINDS)}")
        problems = dtype.section_problems(kind, value)
        if problems:
            message.reject(
                target, "SCHEMA_VALIDATION_FAILED", f"The {kind} do not match the device type schema", problems
            )
        now, received = self._now()
        at = message.time(target, time, "time", now)
        at_seconds = self._now_at if at is now else at.timestamp()
        series = self.sim.timeseries.all_series()
        self._accept(sender, target, self._reported(dtype, kind), series, kind, value, at, at_seconds)
        stamped = received if at is now else iso(at)
        self.sim.bus.publish(DataReported(tenant_id, target.id, sender.id, kind, value, stamped))
        return {"id": self.sim.random.uuid(), "receivedAt": received} if receipt else {}

    def ingest_data_batch(self, tenant_id: str, kind: str, reports: Sequence[tuple[str, str, dict[str, Any]]]) -> int:
        """Many data messages of one tenant at the clock's now, each `(sender id, device id, value)`
        (a fleet's in-process reports of one clock moment: source "mqtt", no receipts); returns how
        many were accepted.

        The steps of `ingest_data` for each message, observably the same, with the lookups made
        once per batch and device type, and one `DataReportedBatch` on the bus (subscribers that
        know no batches hear each `DataReported`). A message off the plain path (unknown sender or
        device, an alias, a schema refusal) goes through `ingest_data` itself, in its place in the
        order; audited callers (a named actor) get one `ingest_data` per message, as before."""
        undo.unhook_while_idle()
        if current_actor() is not None or kind not in DATA_KINDS:
            return sum(self._ingest_one(tenant_id, sender, device, kind, value) for sender, device, value in reports)
        find = self.sim.devices.devices_of(tenant_id).get
        types: dict[str, TypeChecks | None] = {}
        now, received = self._now()
        at, series = self._now_at, self.sim.timeseries.all_series()
        batch, accepted = DataReportedBatch(tenant_id, kind, received), 0
        type_id, plain = "", None  # the last device's type and its (schema check, extractors)
        for sender_id, device_id, value in reports:
            target = find(device_id)
            sender = target if sender_id == device_id else find(sender_id)
            if target is not None and sender is not None and (target is sender or target.connected_by == sender.id):
                if target.device_type_id != type_id:
                    type_id = target.device_type_id
                    if type_id not in types:
                        types[type_id] = self._type(tenant_id, type_id, kind)
                    plain = types[type_id]
                if plain is not None and plain[0](value):
                    self._accept(sender, target, plain[1], series, kind, value, now, at)
                    batch.device_ids.append(target.id)
                    batch.sender_ids.append(sender.id)
                    batch.values.append(value)
                    continue
            if batch.device_ids:  # the long way; what was accepted before this message is heard before it
                self.sim.bus.publish(batch)
                accepted += len(batch.device_ids)
                batch = DataReportedBatch(tenant_id, kind, received)
            accepted += self._ingest_one(tenant_id, sender_id, device_id, kind, value)
        if batch.device_ids:
            self.sim.bus.publish(batch)
        return accepted + len(batch.device_ids)

    def _type(self, tenant_id: str, type_id: str, kind: str) -> TypeChecks | None:
        """What a batch needs of a device type: its schema check for `kind` and its timeseries
        extractors (None for an unknown type: its messages go the long way, which refuses them)."""
        dtype = self.sim.device_types.find_device_type(tenant_id, type_id)
        if dtype is None:
            return None
        return dtype.compiled.section_check(kind), self._reported(dtype, kind)

    def _ingest_one(self, tenant_id: str, sender_id: str, device_id: str, kind: str, value: dict[str, Any]) -> bool:
        """One message of a batch through `ingest_data`; False when it was refused (diagnostics has it)."""
        try:
            self.ingest_data(
                tenant_id,
                sender_id=sender_id,
                device_id=device_id,
                kind=kind,
                value=value,
                source="mqtt",
                receipt=False,
            )
        except SimError:
            return False
        return True

    @records_change("ingestEvent", telemetry=True)
    def ingest_event(
        self,
        tenant_id: str,
        *,
        sender_id: str | None,
        device_id: str,
        event_type: str,
        value: dict[str, Any] | None = None,
        created_at: str | datetime | None = None,
        source: str = "http",
    ) -> dict[str, str]:
        """An event of a type declared in the device type's `events`; returns {id, receivedAt}."""
        undo.unhook_while_idle()
        value = {} if value is None else value
        sender_id = sender_id or device_id
        payload = {"type": event_type, "value": value, "deviceId": device_id, "senderId": sender_id}
        if created_at is not None:
            payload["createdAt"] = iso(created_at) if isinstance(created_at, datetime) else created_at
        message = Message(self, tenant_id, "event-ingest", source, sender_id, device_id, payload)
        sender, target = message.resolve(missing=NotFound)
        dtype = self.sim.device_types.get_device_type(tenant_id, target.device_type_id)
        problems = dtype.event_problems(event_type, value)
        if not isinstance(value, dict):
            problems = [{"path": "value", "message": "the event value must be an object"}]
        if problems:
            message.reject(
                target,
                "SCHEMA_VALIDATION_FAILED",
                f"The event {event_type!r} does not match the device type schema",
                problems,
            )
        now, received = self._now()
        at = message.time(target, created_at, "createdAt", now)
        event: dict[str, Any] = {
            "id": self.sim.random.uuid(),
            "type": event_type,
            "value": value,
            "createdAt": received if at is now else iso(at),
            "receivedAt": received,
            "deviceId": target.id,
            "senderId": sender.id,
        }
        self.sim.events.record_event(target.id, event)
        target.last_seen = sender.last_seen = self._now_at  # both were heard from (devices.touch)
        self.sim.bus.publish(EventReported(tenant_id, target.id, sender.id, event))
        return {"id": event["id"], "receivedAt": received}

    # ------------------------------------------------------------------ steps

    def _accept(
        self,
        sender: Device,
        target: Device,
        reported: tuple[Extractor, ...],
        series: dict[str, dict[str, dict[str, Series]]],
        kind: str,
        value: dict[str, Any],
        at: datetime,
        at_seconds: float,
    ) -> None:
        """A valid message's effects: state, contact, timeseries (the bus event is the caller's).
        `reported`: the device type's timeseries rules for `kind`; `series`: every tenant's series.

        Nothing here can fail on a message that passed the checks (the extractors never raise,
        rules.py), so a change is never left half-made and a device's reading needs no
        transaction to be all-or-nothing (mqtt/bridge.py)."""
        target.state.merge(kind, value, at)  # kind is one of DATA_KINDS: what apply_reported checks
        target.last_seen = sender.last_seen = self._now_at  # both were heard from (devices.touch)
        for extractor in reported:
            for found in extractor.values(value):
                if found is not None and not isinstance(found, list):  # arrays and nulls cannot be points
                    append_point(series, target.tenant_id, target.id, extractor.path, at_seconds, found)

    def _reported(self, dtype: DeviceType, kind: str) -> tuple[Extractor, ...]:
        """The extractors of the device type's timeseries rules for `kind` (remade when the rules change)."""
        rules = dtype.timeseries_rules()
        known = self._extractors.get((dtype.id, kind))
        if known is None or known[0] is not rules:
            known = self._extractors[dtype.id, kind] = (rules, extractors(rules, kind))
        return known[1]


class Message:
    """One ingest message on its way through the pipeline: who sent it, and how to refuse it."""

    def __init__(
        self,
        backend: IngestBackend,
        tenant_id: str,
        topic: str,
        source: str,
        sender_id: str,
        device_id: str,
        payload: dict[str, Any],
    ) -> None:
        self.sim = backend.sim
        self.tenant_id, self.sender_id, self.device_id, self.payload = tenant_id, sender_id, device_id, payload
        self.source = topic if source == "http" else source  # diagnostics name the topic for HTTP

    def resolve(self, missing: type[SimError]) -> tuple[Device, Device]:
        """(sender, target): the target by id, else by alias among the sender's devices; it must be
        the sender itself or connected by it."""
        devices = self.sim.devices
        sender = devices.find_device(self.tenant_id, self.sender_id)
        target = devices.find_device(self.tenant_id, self.device_id)
        if sender is None:
            if target is not None:
                self._diagnose(target, "SENDER_NOT_FOUND", f"The sender {self.sender_id} is not a known device")
            raise missing(f"The sender {self.sender_id} was not found", code="SENDER_NOT_FOUND")
        if target is None:
            target = devices.find_by_alias(self.tenant_id, self.device_id, connected_by=sender.id)
        if target is None:
            message = f"Device {self.device_id} was not found (neither an id nor an alias of a device of the sender)"
            self._diagnose(sender, "DEVICE_NOT_FOUND", message)
            raise missing(message, code="DEVICE_NOT_FOUND")
        if target.id != sender.id and target.connected_by != sender.id:
            self.reject(target, "SENDER_NOT_GATEWAY", f"Device {target.id} is not connected by the sender {sender.id}")
        return sender, target

    def time(self, target: Device, given: str | datetime | None, field: str, now: datetime) -> datetime:
        """The message time: as given, else now on the simulator clock."""
        if given is None:
            return now
        if isinstance(given, datetime):  # from Python; a naive time is UTC, as in parse_time
            return given if given.tzinfo is not None else given.replace(tzinfo=UTC)
        try:
            return parse_time(given)
        except (ValueError, AttributeError):  # not a time, or not even a string (MQTT payloads are unchecked)
            self.reject(target, "INVALID_TIME", f"{field} is not an RFC 3339 time: {given!r}")

    def reject(self, device: Device, code: str, message: str, details: list[dict[str, str]] | None = None) -> NoReturn:
        self._diagnose(device, code, message)
        raise BadRequest(message, code=code, details=details)

    def _diagnose(self, device: Device, code: str, message: str) -> None:
        self.sim.events.record_diagnostic(
            self.tenant_id,
            device.id,
            source=self.source,
            code=code,
            message=message,
            payload=self.payload,
            sender_id=self.sender_id,
        )
