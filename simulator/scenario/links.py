"""How virtual devices' messages reach the platform.

`PipelineLink` feeds `sim.ingest` directly (in-process mode: stepped runs and fleets past the
socket limits); its devices hear actions and configuration from the bus. `MqttLink` (mqtt_link.py)
makes each directly connected device a real MQTT client. Both produce the same messages,
including the malformed ones a flaky fleet sends on purpose.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from simulator.core.errors import SimError
from simulator.scenario import schema

if TYPE_CHECKING:
    from simulator.runtime import Simulator
    from simulator.scenario.device import VirtualDevice

DATA, EVENT = "data-ingest", "event-ingest"
Malformed = tuple[str, str, dict[str, Any]]  # (topic, type, value)

_WRONG = {
    "number": "not-a-number",
    "integer": "not-an-integer",
    "string": 12345,
    "boolean": "maybe",
    "object": 7,
    "array": 7,
    "null": 1,
}


def _wrong_value(prop: Any) -> Any | None:
    """A value the property schema refuses, or None when none is obvious."""
    if not isinstance(prop, dict):
        return None
    kind = prop.get("type")
    if isinstance(kind, str) and kind in _WRONG:
        return _WRONG[kind]
    if "enum" in prop:
        return {"not": "in the enum"}
    if isinstance(prop.get("minimum"), int | float):
        return prop["minimum"] - 1000
    if isinstance(prop.get("maximum"), int | float):
        return prop["maximum"] + 1000
    return None


def malformed_messages(type_spec: schema.DeviceTypeSpec) -> tuple[Malformed, ...]:
    """Well-formed JSON that the pipeline must refuse: a wrong-typed attribute, an undeclared event, a bad type."""
    found: list[Malformed] = []
    for name, prop in type_spec.section("attributes").items():
        bad = _wrong_value(prop) if name != "additionalProperties" else None
        if bad is not None:
            found.append((DATA, "attributes", {name: bad}))
            break
    events = type_spec.section("events")
    if events.get("additionalProperties", False) is False:
        found.append((EVENT, "undeclaredEvent", {"malformed": True}))
    found.append((DATA, "status", {"malformed": True}))  # neither attributes nor configuration
    return tuple(found)


class PipelineLink:
    """In-process: the same messages, handed straight to the ingest pipeline (source "mqtt").

    While held (`hold`/`release`, around one clock moment's report ticks) data messages wait in
    a batch for `IngestBackend.ingest_data_batch`; any other message (event, malformed, a data
    message of another tenant or kind) sends the batch first, so the pipeline sees them in order.
    A batch also leaves when it holds `BATCH` messages: the pipeline then reads reports the
    devices have just made, still in the CPU's cache (10,000 at once had left it).
    """

    BATCH = 256

    via_bus = True

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.held = 0  # hold() depth
        self.pending: list[tuple[str, str, dict[str, Any]]] = []  # (sender id, device id, value)
        self.pending_tenant, self.pending_kind = "", ""  # of the pending reports

    def hold(self) -> None:
        self.held += 1

    def release(self) -> None:
        self.held -= 1
        if not self.held:
            self.flush()

    def flush(self) -> None:
        """Send the pending data messages to the pipeline as one batch."""
        if self.pending:
            reports, self.pending = self.pending, []
            self.sim.ingest.ingest_data_batch(self.pending_tenant, self.pending_kind, reports)

    def attach(self, device: VirtualDevice) -> None:
        device.link = self

    def connect(self, device: VirtualDevice) -> None:
        if device.gateway is None:
            self.sim.devices.touch(device.tenant_id, device.device_id)  # what an MQTT CONNECT does

    def disconnect(self, device: VirtualDevice) -> None:
        return None

    def reconnect(self, device: VirtualDevice) -> None:
        self.connect(device)

    def data(self, device: VirtualDevice, kind: str, value: dict[str, Any]) -> bool:
        if self.held:
            if device.tenant_id != self.pending_tenant or kind != self.pending_kind:
                self.flush()
                self.pending_tenant, self.pending_kind = device.tenant_id, kind
            pending = self.pending
            pending.append((device.sender.device_id, device.address, value))
            if len(pending) >= self.BATCH:
                self.flush()
            return True
        try:  # noqa: SIM105 (a try costs less than contextlib.suppress on the stepped hot path)
            self.sim.ingest.ingest_data(
                device.tenant_id,
                sender_id=device.sender.device_id,
                device_id=device.address,
                kind=kind,
                value=value,
                source="mqtt",
                receipt=False,
            )
        except SimError:
            pass  # refused: the pipeline wrote a diagnostics entry
        return True

    def event(self, device: VirtualDevice, event_type: str, value: dict[str, Any]) -> bool:
        self.flush()
        with contextlib.suppress(SimError):
            self.sim.ingest.ingest_event(
                device.tenant_id,
                sender_id=device.sender.device_id,
                device_id=device.address,
                event_type=event_type,
                value=value,
                source="mqtt",
            )
        return True

    def malformed(self, device: VirtualDevice) -> bool:
        self.flush()
        variants = device.fleet.malformed
        topic, kind, value = variants[device.rng.randrange(len(variants))]
        if topic == DATA:
            return self.data(device, kind, value)
        return self.event(device, kind, value)

    def close(self) -> None:
        return None
