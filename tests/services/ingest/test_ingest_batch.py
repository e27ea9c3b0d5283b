"""`ingest_data_batch` is `ingest_data` for many messages: the same world and the same bus events.

Two simulators from the same seed get the same world; one receives the messages one by one, the
other as one batch. Messages off the plain path (an alias, a gateway's sub-device, an unknown
device or sender, a sender that is not the gateway, values the schema refuses) are mixed in.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.core.actors import Actor, acting_as
from simulator.core.errors import SimError
from simulator.core.events import DataReported, DataReportedBatch, DomainEvent, ResourceChanged
from simulator.runtime import Simulator
from simulator.services.device_types.inputs import NewDeviceType
from simulator.services.devices.inputs import NewDevice
from simulator.settings import Settings

SCHEMA = {
    "attributes": {"level": {"type": "number", "minimum": 0, "maximum": 100}},
    "configuration": {"rate": {"type": "integer"}},
}
RULES = [
    {"path": "$.attributes.level", "reportTo": ["timeseries"]},
    {"path": "$.attributes.*", "reportTo": ["timeseries"]},
    {"path": "$.configuration.rate", "reportTo": ["timeseries", "deviceManagement"]},
]
NAMES = ("gateway", "lamp", "sensor", "other")


class World:
    def __init__(self) -> None:
        self.sim = sim = Simulator(Settings(clock="manual", seed=3))
        self.tenant = sim.world.tenant_id
        dtype = sim.device_types.create_device_type(self.tenant, NewDeviceType("T", SCHEMA, RULES))
        self.ids: dict[str, str] = {}
        for name in NAMES:
            gateway = self.ids["gateway"] if name == "lamp" else None
            new = NewDevice(name, dtype.id, aliases=[f"{name}-alias"], connected_by=gateway)
            self.ids[name] = sim.devices.create_device(self.tenant, new).id
        self.heard: list[DomainEvent] = []
        sim.bus.subscribe(DomainEvent, self.heard.append)
        sim.clock.advance(30)

    def message(self, sender: str, device: str, value: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
        """Names of NAMES become ids, "<name>-alias" stays an alias, anything else an unknown id."""
        return self.ids.get(sender, sender), self.ids.get(device, device), value


senders = st.sampled_from([*NAMES, "ghost"])
devices = st.sampled_from([*NAMES, "lamp-alias", "sensor-alias", "ghost"])
values = st.one_of(
    st.fixed_dictionaries({"level": st.one_of(st.integers(-10, 110), st.floats(0, 100), st.text(max_size=2))}),
    st.dictionaries(st.sampled_from(["level", "extra", "rate"]), st.integers(0, 5), max_size=2),
)
messages = st.lists(st.tuples(senders, devices, values), max_size=25)


def ingest_one_by_one(world: World, kind: str, batch: list[tuple[str, str, dict[str, Any]]]) -> int:
    accepted = 0
    for sender_id, device_id, value in batch:
        try:
            world.sim.ingest.ingest_data(
                world.tenant,
                sender_id=sender_id,
                device_id=device_id,
                kind=kind,
                value=value,
                source="mqtt",
                receipt=False,
            )
            accepted += 1
        except SimError:
            pass
    return accepted


@settings(max_examples=60, deadline=None)
@given(messages, st.sampled_from(["attributes", "configuration"]))
def test_a_batch_changes_the_world_as_its_messages_one_by_one(
    spec: list[tuple[str, str, dict[str, Any]]], kind: str
) -> None:
    single, batched = World(), World()
    reports = [single.message(*m) for m in spec]
    assert [batched.message(*m) for m in spec] == reports  # same seed: same ids
    accepted = ingest_one_by_one(single, kind, reports)
    assert batched.sim.ingest.ingest_data_batch(batched.tenant, kind, reports) == accepted
    assert batched.heard == single.heard
    assert batched.sim.snapshot() == single.sim.snapshot()


def test_batch_handlers_hear_one_event_for_the_plain_messages() -> None:
    world = World()
    batches: list[DataReportedBatch] = []
    world.sim.bus.subscribe(DataReported, lambda event: None, batch=batches.append)
    reports = [world.message(name, name, {"level": n}) for n, name in enumerate(("sensor", "other", "gateway"))]
    assert world.sim.ingest.ingest_data_batch(world.tenant, "attributes", reports) == 3
    (batch,) = batches
    assert [e.device_id for e in batch.items()] == [world.ids[n] for n in ("sensor", "other", "gateway")]
    assert [e.value for e in world.heard if isinstance(e, DataReported)] == [{"level": 0}, {"level": 1}, {"level": 2}]


def test_an_audited_batch_is_one_change_per_message() -> None:
    world = World()
    reports = [world.message("sensor", "sensor", {"level": 1}), world.message("other", "other", {"level": 2})]
    with acting_as(Actor("someone")):
        world.sim.ingest.ingest_data_batch(world.tenant, "attributes", reports)
    changes = [e for e in world.heard if isinstance(e, ResourceChanged)]
    assert [c.action for c in changes] == ["ingestData", "ingestData"]
