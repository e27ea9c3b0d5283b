"""Any JSON value sent as a rule is either a usable rule or a 400 naming a field; never a 5xx."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulator.faults.book import topic_matches
from simulator.faults.rules import EFFECTS, MATCH_KEYS, RULE_KEYS, RuleError, parse_rule
from simulator.testing import SimHandle


def scalar_values(finite: bool = False) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-10, 10_000),
        st.floats(allow_nan=False, allow_infinity=not finite),
        st.text(max_size=8),
        st.sampled_from(["1m", "90s", "-1s", "x", "uplink", "live", "/v1/*"]),
    )


scalars = scalar_values()
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
match_keys = sorted({key for keys in MATCH_KEYS.values() for key in keys})
effect_keys = sorted({key for kinds in EFFECTS.values() for kind, extra in kinds.items() for key in (kind, *extra)})
rules = st.fixed_dictionaries(
    {},
    optional={
        "match": st.dictionaries(st.sampled_from(match_keys), scalars, max_size=3) | json_values,
        "effect": st.dictionaries(st.sampled_from(effect_keys), scalars, min_size=1, max_size=3) | json_values,
        "count": scalars,
        "probability": scalars,
        "after": scalars,
        "for": scalars,
    },
)


@given(rules | json_values)
@settings(max_examples=400, deadline=None)
def test_parse_rule_accepts_or_names_a_known_field(data: Any) -> None:
    try:
        rule = parse_rule(data, "id")
    except RuleError as error:
        assert error.field == "(rule)" or error.field in map(str, data) or error.field.split(".")[0] in RULE_KEYS
        return
    assert rule.protocol in MATCH_KEYS and rule.kind in EFFECTS[rule.protocol]


json_rules = st.fixed_dictionaries(
    {"match": st.dictionaries(st.sampled_from(match_keys), scalar_values(finite=True), max_size=3)},
    optional={
        "effect": rules.map(lambda r: r.get("effect")),
        "count": st.integers(-1, 3),
        "probability": st.floats(0, 1.5),
        "after": st.sampled_from([0, "1m", "x", -1]),
    },
)


@given(json_rules)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_endpoint_answers_201_or_400_and_a_refused_rule_is_not_kept(olt_sim: SimHandle, data: Any) -> None:
    control = olt_sim.control()
    before = len(control.get("/_sim/faults").json()["data"])
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        assume(False)  # NaN inside a generated effect: not JSON (test_non_finite_numbers_are_refused covers it)
    response = control.post("/_sim/faults", json=data)
    assert response.status_code in (201, 400), response.text
    after = len(control.get("/_sim/faults").json()["data"])
    assert after == before + (response.status_code == 201)
    if response.status_code == 400:
        assert response.json()["details"][0]["path"]


def test_non_finite_numbers_are_refused(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    for body in (
        b'{"match": {"path": "/v1/*"}, "effect": {"status": 503}, "after": 1e999}',
        b'{"match": {"path": "/v1/*"}, "effect": {"status": 503, "retryAfter": 1e999}}',
        b'{"match": {"path": "/v1/*"}, "effect": {"status": 503}, "probability": NaN}',
    ):
        response = control.post("/_sim/faults", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, response.text
    assert control.get("/_sim/faults").json()["data"] == []


def test_mqtt_wildcards() -> None:
    assert topic_matches("devices/+/configuration", "devices/d1/configuration")
    assert topic_matches("devices/#", "devices/d1/actions") and topic_matches("#", "data-ingest")
    assert topic_matches("devices/d1/#", "devices/d1")
    assert not topic_matches("devices/+", "devices/d1/actions")
    assert not topic_matches("devices/+/actions", "devices/d1/configuration")
