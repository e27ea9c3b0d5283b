"""The pieces: kind specs, timestamp spellings, number forms, the plan arithmetic."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import spec
from simulator.core.clock import iso
from simulator.vary.choices import Decider, parse_plan, plan_of
from simulator.vary.emit import Layout, dumps
from simulator.vary.kinds import KINDS, VarySpecError, parse_spec
from simulator.vary.timestamps import parse, vary


def test_specs_switch_and_weigh_kinds() -> None:
    assert parse_spec("on").by_kind == {kind: weight for kind, (weight, _) in KINDS.items()}
    assert "headers" not in parse_spec("on,-headers").by_kind
    assert parse_spec("omit,timestamps=0.8").by_kind == {"omit": 0.5, "timestamps": 0.8}
    for wrong in ("", "omit=2", "omit=x", "colour"):
        with pytest.raises(VarySpecError):
            parse_spec(wrong)


def test_plans_round_trip() -> None:
    assert parse_plan(hex(plan_of([0, 2, 70]))) == (1 | 4 | 1 << 70)
    assert parse_plan("5") == 5
    for wrong in ("zz", "-1", "0xg"):
        with pytest.raises(ValueError):
            parse_plan(wrong)


def test_a_plan_applies_exactly_its_bits_with_the_seeds_details() -> None:
    weights = parse_spec("omit=1")
    planned = Decider(0, weights, plan=0b101)
    assert [planned.decide("omit") for _ in range(4)] == [0, None, 2, None]
    assert planned.decide("headers") is None and planned.index == 4  # a kind that is off uses no number
    assert Decider(0, weights).details(2).random() == planned.details(2).random()


@given(
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)),
    st.integers(0, 2**32),
)
def test_a_varied_time_is_the_same_instant_in_a_valid_date_time(moment: datetime, seed: int) -> None:
    for text in (iso(moment), moment.isoformat()):
        varied = vary(text, random.Random(seed))
        assert varied is not None and varied != text
        assert parse(varied) == parse(text)
        assert spec.format_checker().conforms(varied, "date-time")


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**60), 2**60)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
        max_leaves=20,
    ),
    st.integers(0, 2**32),
)
def test_every_layout_parses_back_to_the_same_value(doc: object, seed: int) -> None:
    details = random.Random(seed)
    numbers: dict[tuple[int, str | int], str] = {}

    def mark(value: object) -> None:
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
        for key, item in items:
            if isinstance(item, int | float) and not isinstance(item, bool):
                numbers[(id(value), key)] = details.choice(["float", "exponent"])
            mark(item)

    mark(doc)
    layout = Layout(details, details.choice([None, "  ", "\t"]), details.random() < 0.5, numbers)
    assert json.loads(dumps(doc, layout)) == doc
