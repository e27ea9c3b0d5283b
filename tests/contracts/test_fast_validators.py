"""The fast validator (jsonschema-rs) and the full one (jsonschema) agree, so "valid" from the fast one is final.

Request bodies (contracts/validation.py) and device-type schemas (services/device_types/schema.py)
both return at once when jsonschema-rs says valid. The corpus: every request body schema of the
contract with its examples and hypothesis-generated documents shaped like the schema (mostly
near-misses: wrong types, missing or extra keys, out-of-range numbers, malformed formats).
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import spec
from simulator.services.device_types.schema import Checker

JSON_MEDIA = "application/json"
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
FORMATTED = st.sampled_from(
    [
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00.123+01:00",
        "2026-13-01T00:00:00Z",
        "2026-01-01 00:00:00",
        "2026-01-01",
        "123e4567-e89b-42d3-a456-426655440000",
        "123e4567-e89b-42d3-a456-42665544000",
        "a@example.com",
        "not an email",
        "https://example.com/x",
        "",
    ]
)
ANY_JSON = st.recursive(
    SCALARS | FORMATTED,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def shaped(schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Documents that follow `schema` loosely: valid ones, and every kind of near miss."""
    schema = spec.resolve(spec.openapi(), schema)
    if not isinstance(schema, dict) or depth > 4:
        return ANY_JSON
    options: list[st.SearchStrategy[Any]] = [ANY_JSON]
    for key in ("oneOf", "anyOf", "allOf"):
        options += [shaped(sub, depth + 1) for sub in schema.get(key, [])]
    if "enum" in schema:
        options.append(st.sampled_from(schema["enum"]))
    if "const" in schema:
        options.append(st.just(schema["const"]))
    if "example" in schema:
        options.append(st.just(schema["example"]))
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "object" in kinds or "properties" in schema:
        properties = schema.get("properties", {})
        fields = {name: shaped(sub, depth + 1) for name, sub in properties.items()}
        required = {k: v for k, v in fields.items() if k in schema.get("required", [])}
        optional = {k: v for k, v in fields.items() if k not in required}
        options.append(
            st.fixed_dictionaries({}, optional=fields)
            | st.fixed_dictionaries(required, optional=optional).map(
                lambda d: {**d, "unexpected": 1} if len(d) % 2 else d
            )
        )
    if "array" in kinds:
        options.append(st.lists(shaped(schema.get("items", {}), depth + 1), max_size=4))
    if "string" in kinds:
        size = st.text(min_size=max(0, schema.get("minLength", 0) - 1), max_size=schema.get("maxLength", 20) + 1)
        options += [size, FORMATTED]
    if "integer" in kinds or "number" in kinds:
        low, high = schema.get("minimum", -100), schema.get("maximum", 100)
        options += [st.integers(min_value=int(low) - 2, max_value=int(high) + 2), st.floats(low - 1, high + 1)]
    if "boolean" in kinds:
        options.append(st.booleans())
    return st.one_of(options)


@functools.cache
def body_pointers() -> tuple[str, ...]:
    found = []
    for op in spec.operations():
        pointer = op.request_schema_pointer(JSON_MEDIA)
        if pointer is not None and spec.fast_validator(pointer) is not None:
            found.append(pointer)
    return tuple(sorted(set(found)))


def agree(pointer: str, document: Any) -> None:
    fast = spec.fast_validator(pointer).is_valid(document)
    full = spec.validator(pointer).is_valid(document)
    assert fast == full, f"{pointer}: jsonschema-rs says {fast}, jsonschema says {full} for {document!r}"


def test_the_corpus_is_the_whole_contract() -> None:
    assert len(body_pointers()) > 40


@pytest.mark.parametrize("pointer", body_pointers())
def test_request_body_examples_agree(pointer: str) -> None:
    schema = spec.lookup(spec.openapi(), pointer)
    for example in [schema.get("example"), *(schema.get("examples") or [])]:
        if example is not None:
            agree(pointer, example)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_request_bodies_agree_on_generated_documents(data: st.DataObject) -> None:
    pointer = data.draw(st.sampled_from(body_pointers()))
    document = data.draw(shaped(spec.lookup(spec.openapi(), pointer)))
    agree(pointer, document)


DEVICE_SCHEMAS: list[dict[str, Any]] = [
    {"type": "number", "minimum": 0, "maximum": 100},
    {"type": "integer", "exclusiveMinimum": 0},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "uuid"},
    {"type": "string", "pattern": "^[a-f0-9]{4}$", "maxLength": 4},
    {"type": "string", "enum": ["on", "off"]},
    {"type": "array", "items": {"type": "number"}, "maxItems": 3},
    {
        "type": "object",
        "properties": {"r": {"type": "integer", "minimum": 0, "maximum": 255}, "on": {"type": "boolean"}},
        "required": ["r"],
        "additionalProperties": False,
    },
    {"oneOf": [{"type": "string"}, {"type": "number"}]},
    {"type": ["string", "null"]},
    # the two disagree on multipleOf (float division), so such a schema has no fast path
    {"type": "number", "multipleOf": 0.1},
    {"type": "object", "properties": {"n": {"type": "integer", "multipleOf": 3}}},
]
#: numbers past what a float or a 64-bit integer holds exactly, where the two could part ways
LARGE = st.sampled_from([0.3, 2**53 + 1, 2**63, 2**64 + 1, 2**70, float(2**70), -(2**70), 1e300, 3 * 2**70])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_device_type_checkers_agree(data: st.DataObject) -> None:
    schema = data.draw(st.sampled_from(DEVICE_SCHEMAS))
    checker = Checker(schema)
    assert (checker.fast is None) is ("multipleOf" in str(schema))
    value = data.draw(shaped(schema) | LARGE | st.fixed_dictionaries({"n": LARGE}))
    full = checker.validator.is_valid(value)
    if checker.fast is not None:
        fast = checker.fast.is_valid(value)
        assert fast == full, f"{schema}: jsonschema-rs says {fast}, jsonschema says {full} for {value!r}"
    assert (checker.problems(value, "value") == []) is full


def test_multiple_of_is_decided_by_the_full_validator_alone() -> None:
    """jsonschema-rs calls 0.3 a multiple of 0.1 and float(2**70) one of 3; jsonschema does not: one answer."""
    assert Checker({"multipleOf": 0.1}).problems(0.3, "value") != []
    assert Checker({"multipleOf": 3}).problems(float(2**70), "value") != []
    assert Checker({"multipleOf": 3}).problems(2**70 - 1, "value") == []


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"pattern": r"^\d+$"}, "٣"),  # Python's \d is Unicode, the Rust engine's ASCII here
        ({"pattern": r"^\d+$"}, "1\n"),  # Python's $ also matches before a final newline
        ({"pattern": r"^[a-z]+$"}, "abc\n"),
        ({"pattern": r"\w"}, "é"),
    ],
)
def test_where_patterns_part_ways_the_fast_path_only_refuses(schema: dict[str, Any], value: Any) -> None:
    """Regex dialects differ, but only so that jsonschema-rs says "invalid" where jsonschema says "valid":
    the fast path never accepts what the full validator refuses, and the full validator has the last word."""
    checker = Checker(schema)
    assert checker.fast is not None
    full = checker.validator.is_valid(value)
    assert not checker.fast.is_valid(value) or full
    assert (checker.problems(value, "value") == []) is full
