"""PUT /_sim/snapshot: every refusal names the JSON path and leaves the world, clock and timers alone;
a restore replaces the world whole, moves the clock (backwards too) and re-arms a running scenario."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.core.snapshot_check import SnapshotRefused
from simulator.persistence.document import MAX_SNAPSHOT_BYTES, parse_snapshot, read_snapshot
from simulator.testing import SimHandle

SCENARIO = Path(__file__).parent / "ticking.toml"

JSON = {"Content-Type": "application/json"}  # /_sim refuses other media types on changes


def _dig(doc: dict[str, Any], *keys: str) -> Any:
    node: Any = doc
    for key in keys:
        node = node[key]
    return node


def _first_device(doc: dict[str, Any]) -> dict[str, Any]:
    devices = _dig(doc, "state", "fields", "devices", "fields", "devices")
    tenant = next(iter(devices.values()))
    return dict(next(iter(tenant.values()))["fields"])


Breaker = Callable[[dict[str, Any]], Any]


def _set(path: tuple[str, ...], value: Any) -> Breaker:
    def apply(doc: dict[str, Any]) -> None:
        _dig(doc, *path[:-1])[path[-1]] = value

    return apply


def _device_field(name: str, value: Any) -> Breaker:
    def apply(doc: dict[str, Any]) -> None:
        devices = _dig(doc, "state", "fields", "devices", "fields", "devices")
        device = next(iter(next(iter(devices.values())).values()))
        if value is KeyError:
            del device["fields"][name]
        else:
            device["fields"][name] = value

    return apply


def _nest(doc: dict[str, Any]) -> None:
    deep: Any = "x"
    for _ in range(500):
        deep = {"a": deep}
    _dig(doc, "state", "fields", "world", "fields")["users"] = deep


BREAKERS: dict[str, tuple[Breaker, str]] = {
    "wrong version": (_set(("version",), 2), "$.version"),
    "version as text": (_set(("version",), "1"), "$.version"),
    "clock not a number": (_set(("clock",), "soon"), "$.clock"),
    "unknown top field": (_set(("extra",), 1), "$.extra"),
    "random broken": (_set(("random",), {"__tuple__": [3, [1, 2], None]}), "$.random"),
    "foreign class": (_set(("state", "__dc__"), "os:system"), "$.state.__dc__"),
    "unknown class": (_set(("state", "__dc__"), "simulator.world:Nope"), "$.state.__dc__"),
    "class of the wrong kind": (
        _set(("state", "fields", "tenants", "__dc__"), "simulator.services.users.models:UsersStore"),
        "$.state.fields.tenants.__dc__",
    ),
    "unknown store field": (_set(("state", "fields", "bogus"), {}), "$.state.fields.bogus"),
    "device name a number": (_device_field("name", 5), ".fields.name"),
    "device missing its id": (_device_field("id", KeyError), ".fields.id"),
    "device with unknown field": (_device_field("colour", "red"), ".fields.colour"),
    "device time not a time": (_device_field("created_at", {"__dt__": "yesterday"}), ".fields.created_at.__dt__"),
    "tags not a list": (_device_field("tags", "a,b"), ".fields.tags"),
    "deep nesting": (_nest, "$.state.fields.world.fields.users"),
}


def _device_world(olt_sim: SimHandle) -> dict[str, Any]:
    client = olt_sim.client()
    schema = {"attributes": {"t": {"type": "number"}}}
    rules = [{"path": "$.attributes.t", "reportTo": ["timeseries"]}]
    dtype = client.post("/device-types", json={"name": "S", "schema": schema, "reportingRules": rules}).json()
    client.post("/devices", json={"info": {"name": "d", "deviceTypeId": dtype["data"]["id"]}})
    return json.loads(json.dumps(olt_sim.snapshot()))


def _observe(olt_sim: SimHandle) -> tuple[str, float, int]:
    sim = olt_sim.sim
    return olt_sim.call(lambda: (json.dumps(sim.snapshot(), sort_keys=True), sim.clock.time(), len(sim.clock._timers)))


@pytest.mark.parametrize("case", sorted(BREAKERS))
def test_every_refusal_names_the_path_and_changes_nothing(olt_sim: SimHandle, case: str) -> None:
    good = _device_world(olt_sim)
    olt_sim.call(lambda: olt_sim.sim.clock.call_later(60, lambda: None))  # a pending timer must survive
    breaker, where = BREAKERS[case]
    bad = copy.deepcopy(good)
    breaker(bad)
    before = _observe(olt_sim)

    response = olt_sim.control().put("/_sim/snapshot", content=json.dumps(bad), headers=JSON)

    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) >= {"errorMessage", "errorCode", "details"}
    assert where in body["details"][0]["path"], body
    assert where in body["errorMessage"]
    assert _observe(olt_sim) == before


def test_refusals_of_the_body_itself(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    before = _observe(olt_sim)
    for body in (b"[1, 2]", b"{not json", b"[" * 100_000 + b"]" * 100_000, b'"\\ud800"'):
        response = control.put("/_sim/snapshot", content=body, headers=JSON)
        assert response.status_code == 400, (body[:20], response.text)
        assert response.json()["details"][0]["path"].startswith("$")
    assert _observe(olt_sim) == before
    with pytest.raises(SnapshotRefused, match="exceeds the limit"):
        parse_snapshot(b" " * (MAX_SNAPSHOT_BYTES + 1))
    too_big = {**JSON, "content-length": str(MAX_SNAPSHOT_BYTES + 1)}
    response = control.put("/_sim/snapshot", content=b"{}", headers=too_big)
    assert response.status_code == 400


def test_restore_replaces_the_world_and_moves_a_manual_clock_backwards(olt_sim: SimHandle) -> None:
    saved = _device_world(olt_sim)
    taken_at = saved["clock"]
    olt_sim.advance(3600)
    olt_sim.client().post("/device-types", json={"name": "Later", "schema": {}})

    olt_sim.restore(saved)

    assert olt_sim.call(olt_sim.sim.clock.time) == taken_at
    names = [t["name"] for t in olt_sim.client().get("/device-types").json()["data"]]
    assert names == ["S"]
    assert json.loads(json.dumps(olt_sim.snapshot())) == saved
    with pytest.raises(SnapshotRefused):
        olt_sim.restore({**saved, "version": 0})


def test_checked_decoding_round_trips_a_whole_world(olt_sim: SimHandle) -> None:
    saved = _device_world(olt_sim)
    assert read_snapshot(saved).world.devices.devices  # the device made it through every type check
    assert _first_device(saved)["name"] == "d"


@pytest.mark.olt_scenario(str(SCENARIO))
def test_restore_rearms_the_running_scenario(olt_sim: SimHandle) -> None:
    sim = olt_sim.sim

    def points() -> int:
        return olt_sim.call(
            lambda: sum(len(s) for t in sim.state.timeseries.devices.values() for d in t.values() for s in d.values())
        )

    olt_sim.advance(30)
    saved = olt_sim.snapshot()
    at_save = points()
    assert at_save > 0
    olt_sim.advance(600)
    assert points() > at_save

    olt_sim.restore(saved)
    assert points() == at_save
    olt_sim.advance(60)  # the restored world keeps living: the scenario's devices report again
    assert points() > at_save


def test_a_scenario_stopped_by_reset_is_not_revived_by_a_restore(olt_sim: SimHandle) -> None:
    from simulator.scenario.loader import load_scenario
    from simulator.scenario.runner import ScenarioRunner

    sim = olt_sim.sim
    runner = olt_sim.call(lambda: ScenarioRunner(sim, load_scenario(SCENARIO)).start())
    olt_sim.advance(30)
    saved = olt_sim.snapshot()
    olt_sim.reset()
    olt_sim.restore(saved)
    before = olt_sim.call(lambda: json.dumps(sim.snapshot()["state"]["fields"]["timeseries"]))
    olt_sim.advance(120)
    assert olt_sim.call(lambda: json.dumps(sim.snapshot()["state"]["fields"]["timeseries"])) == before
    olt_sim.call(runner.stop)
