"""The plain-chain fast path of reporting rules finds exactly what jsonpath-ng finds."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from jsonpath_ng.ext import parse

from simulator.services.device_types.schema import compile_rules
from simulator.services.ingest.rules import matches, plain_keys

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
