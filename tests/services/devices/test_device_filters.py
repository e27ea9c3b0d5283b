"""Device filters: for random fleets and filters the answer equals a plain predicate, pages partition it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.services.device_types.inputs import NewDeviceType
from simulator.services.devices.filters import DeviceFilter
from simulator.services.devices.inputs import DeviceChanges, NewDevice
from simulator.testing import SimHandle

# a small vocabulary makes devices share tags, names and aliases (bucket collisions); free text does the rest
WORDS = ["a", "A", "b", "ab", "aB-", "é", "É"]
TEXT = st.one_of(st.sampled_from(WORDS), st.text(alphabet="aAbB-é", max_size=3))
NAME = st.one_of(st.sampled_from(WORDS), st.text(alphabet="aAbB-é", min_size=1, max_size=3))
PATTERN = st.one_of(st.sampled_from([*WORDS, "*", "a*", "*b", "*A*"]), st.text(alphabet="aAbB-é*", max_size=4))
CATEGORIES = ["urn:x:lamp", "urn:x:sensor", "urn:x:gateway"]
MISSING = "00000000-0000-4000-8000-000000000000"
KINDS = (
    "deviceId",
    "deviceTag",
    "deviceName",
    "deviceAlias",
    "deviceTypeId",
    "deviceTypeName",
    "deviceTypeCategory",
    "deviceConnectedBy",
)


def like(pattern: str, value: str) -> bool:
    """The reference: case-insensitive, `*` = any run of characters, whole value."""
    regex = "".join(".*" if ch == "*" else re.escape(ch) for ch in pattern.lower())
    return re.fullmatch(regex, value.lower(), re.DOTALL) is not None


@dataclass
class Fleet:
    """What the test asked for (the reference never reads the simulator's own records)."""

    types: list[dict[str, Any]]
    devices: list[dict[str, Any]]  # name, tags, aliases, type (index), gateway (index | None)
    retags: list[tuple[int, list[str]]] = field(default_factory=list)  # later PATCHes of older devices
    deletions: list[int] = field(default_factory=list)


@st.composite
def fleets(draw: st.DrawFn) -> Fleet:
    types = draw(
        st.lists(
            st.fixed_dictionaries(
                {"name": TEXT, "categories": st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True)}
            ),
            min_size=1,
            max_size=3,
        )
    )
    devices = []
    for i in range(draw(st.integers(0, 12))):
        devices.append(
            {
                "name": draw(NAME),
                "tags": draw(st.lists(TEXT, max_size=3)),
                "aliases": draw(st.lists(TEXT, max_size=2)),
                "type": draw(st.integers(0, len(types) - 1)),
                "gateway": draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None,
            }
        )
    indexes = st.integers(0, len(devices) - 1) if devices else st.nothing()
    retags = draw(st.lists(st.tuples(indexes, st.lists(TEXT, max_size=3)), max_size=4)) if devices else []
    deletions = draw(st.lists(indexes, max_size=2, unique=True)) if devices else []
    return Fleet(types, devices, retags, deletions)


@st.composite
def filters(draw: st.DrawFn, devices: int = 12, types: int = 3) -> dict[str, list[Any]]:
    """Kind -> values; ids are drawn as indexes (-1: an id nobody has) and resolved after creation."""
    chosen = draw(st.lists(st.sampled_from(KINDS), max_size=2, unique=True))
    out: dict[str, list[Any]] = {}
    for kind in chosen:
        if kind in ("deviceId", "deviceConnectedBy"):
            out[kind] = draw(st.lists(st.integers(-1, max(devices - 1, 0)), min_size=1, max_size=3))
        elif kind == "deviceTypeId":
            out[kind] = draw(st.lists(st.integers(-1, types - 1), min_size=1, max_size=2))
        elif kind == "deviceTypeCategory":
            out[kind] = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2))
        else:
            out[kind] = draw(st.lists(PATTERN, min_size=1, max_size=2))
    return out


@st.composite
def cases(draw: st.DrawFn) -> tuple[Fleet, dict[str, list[Any]]]:
    fleet = draw(fleets())
    return fleet, draw(filters(len(fleet.devices), len(fleet.types)))


def build(olt_sim: SimHandle, fleet: Fleet) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Create the fleet in the simulator: (type ids, device ids, the live devices' expected records)."""
    sim, tenant = olt_sim.sim, olt_sim.tenant_id

    def run() -> tuple[list[str], list[str]]:
        new_types = [NewDeviceType.from_api({**t, "schema": {}}) for t in fleet.types]
        type_ids = [sim.device_types.create_device_type(tenant, new).id for new in new_types]
        device_ids: list[str] = []
        for spec in fleet.devices:
            new = NewDevice(
                name=spec["name"],
                device_type_id=type_ids[spec["type"]],
                tags=spec["tags"],
                aliases=spec["aliases"],
                connected_by=device_ids[spec["gateway"]] if spec["gateway"] is not None else None,
            )
            device_ids.append(sim.devices.create_device(tenant, new).id)
        for index, tags in fleet.retags:
            sim.devices.update_device(tenant, device_ids[index], DeviceChanges(tags=tags))
        for index in fleet.deletions:
            sim.devices.delete_device(tenant, device_ids[index])
        return type_ids, device_ids

    type_ids, device_ids = olt_sim.call(run)
    records = []
    for i, spec in enumerate(fleet.devices):
        tags = spec["tags"]
        for index, new_tags in fleet.retags:
            if index == i:
                tags = new_tags
        gateway = spec["gateway"]
        connected_by = None if gateway is None or gateway in fleet.deletions else device_ids[gateway]
        records.append(
            {
                "id": device_ids[i],
                "name": spec["name"],
                "tags": tags,
                "aliases": spec["aliases"],
                "type": {**fleet.types[spec["type"]], "id": type_ids[spec["type"]]},
                "connectedBy": connected_by,
                "deleted": i in fleet.deletions,
            }
        )
    return type_ids, device_ids, records


def resolve(raw: dict[str, list[Any]], type_ids: list[str], device_ids: list[str]) -> dict[str, list[str]]:
    def pick(ids: list[str], i: int) -> str:
        return ids[i] if 0 <= i < len(ids) else MISSING

    resolved = {}
    for kind, values in raw.items():
        if kind in ("deviceId", "deviceConnectedBy"):
            resolved[kind] = [pick(device_ids, i) for i in values]
        elif kind == "deviceTypeId":
            resolved[kind] = [pick(type_ids, i) for i in values]
        else:
            resolved[kind] = list(values)
    return resolved


def reference(record: dict[str, Any], flt: dict[str, list[str]]) -> bool:
    checks = {
        "deviceId": lambda vs: record["id"] in vs,
        "deviceConnectedBy": lambda vs: record["connectedBy"] in vs,
        "deviceTypeId": lambda vs: record["type"]["id"] in vs,
        "deviceTypeCategory": lambda vs: bool(set(vs) & set(record["type"]["categories"])),
        "deviceTypeName": lambda vs: any(like(p, record["type"]["name"]) for p in vs),
        "deviceName": lambda vs: any(like(p, record["name"]) for p in vs),
        "deviceTag": lambda vs: any(like(p, t) for p in vs for t in record["tags"]),
        "deviceAlias": lambda vs: any(like(p, a) for p in vs for a in record["aliases"]),
    }
    return all(checks[kind](values) for kind, values in flt.items())


def expected_ids(records: list[dict[str, Any]], flt: dict[str, list[str]]) -> list[str]:
    return [r["id"] for r in reversed(records) if not r["deleted"] and reference(r, flt)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases(), page_size=st.integers(1, 5))
def test_selection_equals_the_reference_and_pages_partition_it(
    olt_sim: SimHandle, case: tuple[Fleet, dict[str, list[Any]]], page_size: int
) -> None:
    fleet, raw_filter = case
    olt_sim.reset()
    type_ids, device_ids, records = build(olt_sim, fleet)
    flt = resolve(raw_filter, type_ids, device_ids)
    sim, tenant = olt_sim.sim, olt_sim.tenant_id

    def select() -> tuple[list[str], list[str]]:
        selected = sim.devices.select_devices(tenant, DeviceFilter.from_api(flt))
        whole = [d.id for d in selected]
        pages: list[str] = []
        for page in range(len(selected) // page_size + 2):
            pages.extend(d.id for d in selected[page * page_size : (page + 1) * page_size])
        return whole, pages

    whole, pages = olt_sim.call(select)
    assert whole == expected_ids(records, flt)
    assert pages == whole


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases(), page_size=st.integers(1, 4))
def test_http_query_and_body_forms_agree_and_paging_visits_each_match_once(
    olt_sim: SimHandle, case: tuple[Fleet, dict[str, list[Any]]], page_size: int
) -> None:
    fleet, raw_filter = case
    olt_sim.reset()
    api = olt_sim.client()
    type_ids, device_ids, records = build(olt_sim, fleet)
    flt = resolve(raw_filter, type_ids, device_ids)
    expected = expected_ids(records, flt)
    seen: list[str] = []
    page, pages_total = 0, 1
    while page < pages_total:
        response = api.request("GET", "/devices", params={"page": page, "pageSize": page_size}, json=flt)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["meta"]["itemsTotal"] == len(expected)
        pages_total = body["meta"]["pagesTotal"]
        assert pages_total == -(-len(expected) // page_size)
        seen.extend(d["id"] for d in body["data"])
        page += 1
    assert seen == expected
    if "deviceTypeName" not in flt and all("," not in v for vs in flt.values() for v in vs):
        params = {k: ",".join(vs) for k, vs in flt.items() if all(vs)}
        if len(params) == len(flt):
            by_query = api.get("/devices", params={**params, "pageSize": 100})
            assert [d["id"] for d in by_query.json()["data"]] == expected
    states = api.request("GET", "/devices/state", params={"pageSize": 100}, json=flt).json()["data"]
    assert [s["deviceId"] for s in states] == expected


def test_an_older_device_joining_a_bucket_keeps_newest_first(
    olt_sim: SimHandle, api: httpx.Client, make_device: Any
) -> None:
    """A PATCH files an old device under new keys; single-bucket answers must still be newest first."""
    old, new = make_device(name="old"), make_device(name="new", tags=["t"], aliases=["x"])
    api.patch(f"/devices/{old['id']}", json={"tags": ["T"], "info": {"aliases": ["X"], "name": "NEW"}})
    expected = [new["id"], old["id"]]
    for params in (
        {"deviceTag": "t"},
        {"deviceAlias": "x"},
        {"deviceName": "new"},
        {"deviceTypeId": new["info"]["deviceTypeId"]},
    ):
        assert [d["id"] for d in api.get("/devices", params=params).json()["data"]] == expected, params


def test_filters_in_query_and_body_at_once_are_a_400(api: httpx.Client) -> None:
    for path in ("/devices", "/devices/state"):
        response = api.request("GET", path, params={"deviceTag": "a"}, json={"deviceName": ["x"]})
        assert response.status_code == 400


@pytest.mark.parametrize("query", [{"deviceId": ","}, {"deviceId": "not-a-uuid"}, {"pageSize": "101"}, {"page": "-1"}])
def test_malformed_filters_are_a_400(api: httpx.Client, query: dict[str, str]) -> None:
    assert api.get("/devices", params=query).status_code == 400


def test_an_empty_filter_value_is_one_empty_item_as_openapi_parses_it(api: httpx.Client, make_device: Any) -> None:
    make_device(name="tagged", tags=["a"])
    assert api.get("/devices", params={"deviceTag": ""}).json()["data"] == []  # [""]: no device has an empty tag
    assert len(api.get("/devices", params={"deviceTag": "a,,b"}).json()["data"]) == 1  # ["a", "", "b"]


def test_newest_first_and_pagination_meta(api: httpx.Client, make_device: Any) -> None:
    made = [make_device(name=f"d{i}", tags=["Even" if i % 2 == 0 else "odd"]) for i in range(5)]
    body = api.get("/devices", params={"deviceTag": "EVEN", "pageSize": 2, "page": 1}).json()
    assert [d["info"]["name"] for d in body["data"]] == ["d0"]
    assert body["meta"] == {"page": 1, "pageSize": 2, "itemsTotal": 3, "pagesTotal": 2}
    assert [d["id"] for d in api.get("/devices").json()["data"]] == [d["id"] for d in reversed(made)]
    assert api.get("/devices", params={"pageSize": 0}).json() == {
        "data": [],
        "meta": {"page": 0, "pageSize": 0, "itemsTotal": 5, "pagesTotal": 0},
    }
    assert api.get("/devices", params={"page": 9}).json()["data"] == []
