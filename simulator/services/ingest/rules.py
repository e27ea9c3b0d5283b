"""Reporting rules applied to one message: which values go to the timeseries, under which path.

Most rules are plain child chains (`$.attributes.temperature`, `$.attributes.levels[0]`). For
those the key chain is read off jsonpath-ng's parsed expression once, and a message is answered
with a few dict lookups instead of a full JSONPath evaluation (the hot path of every ingest).
Anything richer (wildcards, descendants, filters, slices) goes through jsonpath-ng itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from jsonpath_ng import Child, Fields, Index, Root
from jsonpath_ng.ext.parser import parse

if TYPE_CHECKING:
    from simulator.services.device_types.schema import ReportingRule

DATA_KINDS = ("attributes", "configuration")
Key = str | int


@lru_cache(maxsize=4096)
def plain_keys(path: str) -> tuple[Key, ...] | None:
    """The keys of a plain `$.a.b[0]` chain, or None when the path needs a real JSONPath evaluation."""
    node = parse(path)
    keys: list[Key] = []
    while isinstance(node, Child):
        right = node.right
        if isinstance(right, Fields) and len(right.fields) == 1 and right.fields[0] != "*":
            keys.append(right.fields[0])
        elif isinstance(right, Index) and len(right.indices) == 1:
            keys.append(right.indices[0])
        else:
            return None
        node = node.left
    return tuple(reversed(keys)) if isinstance(node, Root) and keys else None


def _follow(document: Any, keys: tuple[Key, ...]) -> list[Any]:
    """What jsonpath-ng finds for a plain chain: the one value at the end, or nothing."""
    value = document
    for key in keys:
        if isinstance(key, str):
            if not isinstance(value, dict) or key not in value:
                return []
            value = value[key]
        elif isinstance(value, list | tuple) and -len(value) <= key < len(value):
            value = value[key]
        else:
            return []
    return [value]


def _rooted_elsewhere(keys: tuple[Key, ...] | None, path: str, kind: str) -> bool:
    """A rule on the other data section cannot match this message."""
    if keys:
        head: Key = keys[0]
    elif path.startswith("$."):
        head = path[2:].split(".", 1)[0].split("[", 1)[0]
    else:
        return False
    return head != kind and head in DATA_KINDS


class Extractor:
    """One timeseries rule made ready for the messages of one data section (`kind`): `values(value)`
    is what `matches(rule, {kind: value}, kind)` finds, with the lookup chosen once."""

    __slots__ = ("path", "values")

    def __init__(self, rule: ReportingRule, kind: str, below: tuple[Key, ...] | None) -> None:
        """`below`: a plain chain's keys below the section; None: the rule needs JSONPath."""
        self.path = rule.path
        self.values: Callable[[Any], list[Any]] = _finder(rule, kind, below)


def _finder(rule: ReportingRule, kind: str, below: tuple[Key, ...] | None) -> Callable[[Any], list[Any]]:
    if below is None:
        return partial(_evaluate, rule, kind)
    if len(below) != 1 or not isinstance(below[0], str):
        return lambda value: _follow(value, below)
    key, chain = below[0], below

    def one_key(value: Any) -> list[Any]:  # `$.attributes.name`: the common rule, one lookup
        if type(value) is dict:
            return [value[key]] if key in value else []
        return _follow(value, chain)

    return one_key


def _evaluate(rule: ReportingRule, kind: str, value: Any) -> list[Any]:
    """A full JSONPath evaluation. A rule that cannot apply to this value (jsonpath-ng's `sub`
    on a number raises TypeError) selects nothing, as a filter comparing a string with a number
    does: the reading is stored, only not as a point, and the ingest never fails half-way."""
    try:
        return [match.value for match in rule.expression.find({kind: value})]
    except Exception:  # jsonpath-ng's extensions raise whatever the Python operation raises
        return []


def extractors(rules: list[ReportingRule], kind: str) -> tuple[Extractor, ...]:
    """The rules that can match a message of `kind`, each with its lookup worked out once."""
    found = []
    for rule in rules:
        keys = plain_keys(rule.path)
        if not _rooted_elsewhere(keys, rule.path, kind):
            below = keys[1:] if keys is not None and keys[0] == kind else None
            found.append(Extractor(rule, kind, below))
    return tuple(found)


def matches(rule: ReportingRule, document: dict[str, Any], kind: str) -> Iterator[Any]:
    """The values of `document` ({kind: value}) that the rule selects."""
    return (found for extractor in extractors([rule], kind) for found in extractor.values(document[kind]))
