"""The property of variation mode: varied responses always validate and never contradict state.

A world from the bundled smart-office scenario is read through every GET operation whose path
the world can fill, first plainly, then under many hypothesis-drawn seeds and weights (up to
every candidate applied). Each varied response goes through the fixture's contract check (the
one user tests get) and is compared with the plain one: nothing dropped but empty optional values,
nothing added but undeclared extras, every other value equal (times as instants).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import spec
from simulator.scenario_cli import bundled_scenario_path
from simulator.testing import SimHandle
from simulator.vary import KINDS, Variation
from simulator.vary.kinds import Weights
from simulator.vary.shape import response_schema
from tests.vary.state import contradictions

BUNDLED = str(bundled_scenario_path())
MISSING = "00000000-0000-4000-8000-000000000000"


def _first_id(http: httpx.Client, path: str) -> str | None:
    response = http.get(path)
    data = response.json().get("data") if response.status_code == 200 else None
    return str(data[0]["id"]) if isinstance(data, list) and data and "id" in data[0] else None


def readable_paths(olt_sim: SimHandle, http: httpx.Client) -> list[tuple[str, str]]:
    """(operationId, path) for every GET the world can fill, plus a few that answer errors."""
    ids: dict[str, str | None] = {
        "tenantId": olt_sim.tenant_id,
        "userId": olt_sim.world.owner_user_id,
        "deviceId": _first_id(http, "/devices"),
        "deviceTypeId": _first_id(http, "/device-types"),
        "roleId": _first_id(http, "/roles"),
        "applicationId": _first_id(http, "/applications"),
        "notificationId": _first_id(http, "/notifications"),
        "timeseriesId": _first_id(http, "/timeseries"),
    }
    found = []
    for op in spec.operations():
        if op.method != "GET" or op.path.startswith(("/id/", "/devices/streaming")):
            continue
        names = re.findall(r"\{(\w+)\}", op.path)
        if all(ids.get(n) for n in names):
            found.append((op.operation_id, re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), op.path)))
    found += [
        ("getDevice", f"/devices/{MISSING}"),
        ("getDevice", "/devices/not-a-uuid"),
        ("listDevices", "/devices?pageSize=1"),
    ]
    return found


def install(olt_sim: SimHandle, variation: Variation | None) -> None:
    olt_sim.call(lambda: setattr(olt_sim.sim, "vary", variation))


def _json(response: httpx.Response) -> Any:
    return json.loads(response.content) if "json" in response.headers.get("content-type", "") else response.content


@pytest.mark.olt_scenario(BUNDLED)
def test_varied_responses_validate_and_never_contradict_state(olt_sim: SimHandle) -> None:
    http = olt_sim.client()  # every response is checked against the contract by the fixture
    paths = readable_paths(olt_sim, http)
    assert len(paths) >= 30
    plain = {path: http.get(path) for _, path in paths}
    seen = {"responses": 0, "varied": 0}
    kinds_applied: set[str] = set()

    @settings(max_examples=80, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        seed=st.integers(min_value=0, max_value=2**32),
        weights=st.lists(st.sampled_from([0.0, 0.3, 1.0]), min_size=len(KINDS), max_size=len(KINDS)),
    )
    def property_(seed: int, weights: list[float]) -> None:
        variation = Variation(seed, Weights(dict(zip(KINDS, weights, strict=True))))
        install(olt_sim, variation)
        for operation_id, path in paths:
            varied = http.get(path)
            before = plain[path]
            assert varied.status_code == before.status_code, path
            assert int(varied.headers["content-length"]) == len(varied.content)
            schema = response_schema(operation_id, before.status_code, "application/json")
            problems = contradictions(_json(before), _json(varied), schema[1] if schema else None)
            assert not problems, f"{path}: {problems}"
            seen["responses"] += 1
        seen["varied"] += sum(len(entry.applied) > 0 for entry in variation.log)
        kinds_applied.update(a.kind for entry in variation.log for a in entry.applied)

    property_()
    assert seen["responses"] >= 3000, seen
    assert seen["varied"] >= seen["responses"] // 3, seen
    assert kinds_applied == set(KINDS)  # every kind was exercised, not only the easy ones


WRITTEN_INFO = ("name", "deviceTypeId", "description", "tags", "location", "installationTimestamp", "coordinates")


def _create_and_read(http: httpx.Client) -> tuple[dict[str, Any], dict[str, Any]]:
    type_id = http.post("/device-types", json={"name": "Lamp type", "schema": {}}).json()["data"]["id"]
    info = {
        "name": "Lämp ✓",
        "deviceTypeId": type_id,
        "description": "",
        "tags": [],
        "location": "site.a",
        "installationTimestamp": "1985-04-12T23:20:50.52Z",
        "coordinates": {"latitude": 48.1351, "longitude": 11.582},
    }
    body = {"info": info, "configuration": {"brightness": 60}, "custom": {"a": 1}}
    created = http.post("/devices", json=body).json()["data"]
    return created, http.get(f"/devices/{created['id']}").json()["data"]


def test_what_the_client_wrote_comes_back_as_written(olt_sim: SimHandle) -> None:
    """Every field of the create body comes back exactly as the plain simulator returns it (times too)."""
    http = olt_sim.client()
    plain, _ = _create_and_read(http)
    all_on = Weights(dict.fromkeys(KINDS, 1.0))
    for seed in range(40):
        olt_sim.reset()
        install(olt_sim, Variation(seed, all_on))
        for device in _create_and_read(http):
            assert device["id"] == plain["id"]
            for key in WRITTEN_INFO:  # the fields the client did not write (aliases, connectedBy) may vary
                assert device["info"][key] == plain["info"][key], key
            assert set(device["info"]) <= set(plain["info"])  # no undeclared property in an object the client wrote
            assert (device["configuration"], device["custom"]) == ({"brightness": 60}, {"a": 1})


def test_no_kind_switched_on_changes_nothing(olt_sim: SimHandle) -> None:
    http = olt_sim.client()
    paths = [p for _, p in readable_paths(olt_sim, http)][:20]
    plain = [(r.status_code, r.headers.raw, r.content) for r in map(http.get, paths)]
    install(olt_sim, Variation(0, Weights({})))
    assert [(r.status_code, r.headers.raw, r.content) for r in map(http.get, paths)] == plain
    journal = olt_sim.control().get("/_sim/requests").json()["data"]
    assert all(entry["variation"] == [] for entry in journal)
