"""records_change: one ResourceChanged per outermost successful change, with the actor of the surrounding call."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest

from simulator.core.actors import IN_PROCESS, Actor, acting_as
from simulator.core.changes import records_change
from simulator.core.events import EventBus, ResourceChanged


@dataclass
class Made:
    id: str


class FakeSim:
    def __init__(self) -> None:
        self.bus = EventBus(strict=True)

    def transaction(self) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()  # the undo log itself is tested in test_rollback.py


class Lamps:
    def __init__(self) -> None:
        self.sim = FakeSim()
        self.heard: list[ResourceChanged] = []
        self.sim.bus.subscribe(ResourceChanged, self.heard.append)

    @records_change("createLamp", created=True, resource="room")
    def create_lamp(self, tenant_id: str, room: str = "hall", *, made: str | None = "l1") -> Made | None:
        return Made(made) if made else None

    @records_change("replaceLamp", resource="lamp_id")
    def replace_lamp(self, tenant_id: str, lamp_id: str) -> None:
        self.update_lamp(tenant_id, lamp_id)

    @records_change("updateLamp", resource="lamp_id")
    def update_lamp(self, tenant_id: str, lamp_id: str, fail: bool = False) -> None:
        if fail:
            raise ValueError("refused")

    @records_change("readLamps", telemetry=True)
    def report(self, tenant_id: str) -> None:
        pass


def test_arguments_are_found_by_name_positional_keyword_or_default() -> None:
    lamps = Lamps()
    lamps.create_lamp("t1")
    lamps.create_lamp(tenant_id="t2", room="attic", made=None)
    lamps.create_lamp("t3", made=None)
    assert [(e.tenant_id, e.action, e.resource_id) for e in lamps.heard] == [
        ("t1", "createLamp", "l1"),
        ("t2", "createLamp", "attic"),
        ("t3", "createLamp", "hall"),
    ]
    assert all(e.actor is IN_PROCESS for e in lamps.heard)


def test_only_the_outermost_successful_change_is_announced() -> None:
    lamps = Lamps()
    lamps.replace_lamp("t", "l1")
    with pytest.raises(ValueError, match="refused"):
        lamps.update_lamp("t", "l2", fail=True)
    assert [(e.action, e.resource_id) for e in lamps.heard] == [("replaceLamp", "l1")]


def test_the_actor_comes_from_the_surrounding_call_and_telemetry_needs_one() -> None:
    lamps = Lamps()
    lamps.report("t")
    assert lamps.heard == []
    caller = Actor.caller("u1", "a@example.com", "t")
    with acting_as(caller):
        lamps.report("t")
        lamps.update_lamp("t", "l1")
    assert [(e.action, e.actor) for e in lamps.heard] == [("readLamps", caller), ("updateLamp", caller)]
    assert caller.describe() == "User a@example.com (ID u1)"
