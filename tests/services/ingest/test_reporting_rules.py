"""The plain-chain fast path of reporting rules finds exactly what jsonpath-ng finds."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from jsonpath_ng.ext import parse

from simulator.services.device_types.schema import compile_rules
from simulator.services.ingest.rules import matches, plain_keys
from simulator.testing import SimHandle

names = st.sampled_from(["attributes", "configuration", "a", "b"])
keys = st.lists(st.one_of(names, st.integers(-3, 3)), min_size=1, max_size=4)
documents = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=3)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(names, inner, max_size=4)),
    max_leaves=20,
)


def path_of(chain: list[Any]) -> str:
    return "$" + "".join(f".{k}" if isinstance(k, str) else f"[{k}]" for k in chain)


@given(keys, documents, st.sampled_from(["attributes", "configuration"]))
def test_fast_path_equals_jsonpath_ng(chain: list[Any], value: Any, kind: str) -> None:
    path = path_of(chain)
    assert plain_keys(path) == tuple(chain)
    document = {kind: value}
    (rule,) = compile_rules([{"path": path, "reportTo": ["timeseries"]}])
    assert list(matches(rule, document, kind)) == [m.value for m in parse(path).find(document)]


@given(documents, st.sampled_from(["$..a", "$.attributes.*", "$.attributes[0:2]", "$.configuration.a,b"]))
def test_richer_paths_use_jsonpath_ng(value: Any, path: str) -> None:
    assert plain_keys(path) is None
    (rule,) = compile_rules([{"path": path, "reportTo": ["timeseries"]}])
    for kind in ("attributes", "configuration"):
        document = {kind: value}
        expected = [m.value for m in parse(path).find(document)]
        assert list(matches(rule, document, kind)) == expected


RAISING_IN_JSONPATH_NG = ["$.attributes.a.`sub(/a/, b)`", "$..b.`sub(/x/, y)`", "$.attributes[?(@.a > 5)]"]


@given(documents, st.sampled_from(RAISING_IN_JSONPATH_NG))
def test_a_rule_that_cannot_apply_to_a_value_selects_nothing_instead_of_raising(value: Any, path: str) -> None:
    """jsonpath-ng's extensions raise what Python raises (`sub` on a number: TypeError); the
    ingest relies on extractors never raising, so a reading is never stored half-way."""
    (rule,) = compile_rules([{"path": path, "reportTo": ["timeseries"]}])
    try:
        expected = [m.value for m in parse(path).find({"attributes": value})]
    except Exception:
        expected = []
    assert list(matches(rule, {"attributes": value}, "attributes")) == expected


def test_an_http_reading_that_a_rule_cannot_apply_to_is_accepted_without_a_point(olt_sim: SimHandle) -> None:
    api = olt_sim.client()
    schema: dict[str, Any] = {"attributes": {"s": {}}}
    rules = [{"path": "$.attributes.s.`sub(/a/, b)`", "reportTo": ["timeseries"]}]
    created = api.post("/device-types", json={"name": "Sub", "schema": schema, "reportingRules": rules})
    assert created.status_code == 201, created.text
    device = api.post("/devices", json={"info": {"name": "s", "deviceTypeId": created.json()["data"]["id"]}})
    device_id = device.json()["data"]["id"]
    for value in (5, "abc"):
        body = {"deviceId": device_id, "senderId": device_id, "type": "attributes", "value": {"s": value}}
        assert api.post("/data-ingest", json=body).status_code == 202
    assert api.get(f"/devices/{device_id}/state").json()["data"]["attributes"]["s"] == "abc"
    stored = olt_sim.call(lambda: olt_sim.sim.state.timeseries.devices[olt_sim.tenant_id][device_id])
    assert {path: series.values for path, series in stored.items()} == {rules[0]["path"]: ["bbc"]}
