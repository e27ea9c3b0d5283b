"""A device type's `schema` and `reportingRules`, checked once and compiled for every message.

Each schema section maps a property (attribute, configuration key, event type or action name) to
a JSON Schema (facts D.8, I.21). A section-level `additionalProperties` key is the section's
switch for undeclared keys, not a property. Non-standard keywords (`property`, `min`, `max`,
`format: integer`) are ignored by jsonschema, which is the tolerance real clients need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.ext.parser import parse as parse_jsonpath
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from simulator.core.errors import BadRequest

SECTIONS = ("attributes", "configuration", "events", "actions")
REPORT_TARGETS = ("timeseries", "deviceManagement")
SWITCH = "additionalProperties"
#: Undeclared keys: allowed in the data sections, refused for events and actions (there is
#: nothing to validate an undeclared event or action against) unless the section says otherwise.
DEFAULT_ADDITIONAL = {"attributes": True, "configuration": True, "events": False, "actions": False}
_FORMATS = FormatChecker()

Problem = dict[str, str]


def normalise_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Accept the draft spelling `event` for `events` (facts I.16)."""
    if "event" in schema and "events" not in schema:
        schema = {("events" if k == "event" else k): v for k, v in schema.items()}
    return schema


def check_schema(schema: dict[str, Any]) -> None:
    """400 naming the section (and property) of the first invalid JSON Schema."""
    for section in SECTIONS:
        body = schema.get(section)
        if body is None:
            continue
        where = f"body.schema.{section}"
        if not isinstance(body, dict):
            raise BadRequest(
                f"schema.{section} must be an object", details=[{"path": where, "message": "not an object"}]
            )
        for name, prop in body.items():
            try:
                Draft202012Validator.check_schema(prop)
                message = next((f"$ref {ref!r} points outside the schema" for ref in _remote_refs(prop)), None)
            except SchemaError as error:
                message = error.message
            if message is not None:
                what = "the section switch additionalProperties" if name == SWITCH else f"property {name!r}"
                raise BadRequest(
                    f"schema.{section}: {what} is not a valid JSON Schema: {message}",
                    code="INVALID_SCHEMA",
                    details=[{"path": f"{where}.{name}", "message": message}],
                )


def _remote_refs(node: Any) -> Iterator[str]:
    """References a validator would have to fetch: refused, the simulator never goes online for a schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef") and isinstance(value, str) and not value.startswith("#"):
                yield value
            else:
                yield from _remote_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _remote_refs(item)


@dataclass(frozen=True)
class ReportingRule:
    """One compiled reporting rule: the pipeline evaluates `expression` on `{attributes, configuration}`."""

    path: str
    report_to: tuple[str, ...]
    expression: JSONPath


def compile_rules(rules: list[dict[str, Any]] | None) -> list[ReportingRule]:
    """Parse every rule's JSONPath; 400 naming the rule when one does not parse."""
    compiled = []
    for i, rule in enumerate(rules or ()):
        where = f"body.reportingRules.{i}"
        path = rule.get("path")
        if not isinstance(path, str) or not path.strip():
            raise BadRequest(
                "A reporting rule needs a JSONPath `path`", details=[{"path": f"{where}.path", "message": "missing"}]
            )
        targets = tuple(rule.get("reportTo") or ("deviceManagement",))
        unknown = [t for t in targets if t not in REPORT_TARGETS]
        if unknown:
            raise BadRequest(
                f"reportingRules[{i}].reportTo: unknown target(s) {unknown}; use {list(REPORT_TARGETS)}",
                details=[{"path": f"{where}.reportTo", "message": f"unknown target(s) {unknown}"}],
            )
        try:
            expression = parse_jsonpath(path)
        except Exception as error:  # jsonpath-ng raises lexer/parser errors of several kinds
            raise BadRequest(
                f"reportingRules[{i}].path {path!r} is not a valid JSONPath: {error}",
                code="INVALID_JSONPATH",
                details=[{"path": f"{where}.path", "message": str(error)}],
            ) from None
        compiled.append(ReportingRule(path, targets, expression))
    return compiled


def normalise_rules(rules: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Rules as stored and returned: `reportTo` defaults to deviceManagement (facts D.8)."""
    if rules is None:
        return None
    return [{"path": r["path"], "reportTo": list(r.get("reportTo") or ["deviceManagement"])} for r in rules]


class CompiledSchema:
    """Validators for one version of a device type's schema (built once, used per message)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._declared: dict[str, dict[str, Any]] = {}
        self._additional: dict[str, Any] = {}
        self._section: dict[str, Checker] = {}
        self._entry: dict[tuple[str, str | None], Checker] = {}
        for section in SECTIONS:
            body = dict(schema.get(section) or {})
            additional = body.pop(SWITCH, DEFAULT_ADDITIONAL[section])
            self._declared[section] = body
            self._additional[section] = additional
            self._section[section] = Checker({"type": "object", "properties": body, "additionalProperties": additional})

    def section_problems(self, section: str, value: Any, prefix: str = "value") -> list[Problem]:
        """Check a data message (attributes or configuration) key by key."""
        checker = self._section.get(section)
        if checker is None:
            return [{"path": prefix, "message": f"unknown schema section {section!r}"}]
        return checker.problems(value, prefix)

    def section_check(self, section: str) -> Callable[[Any], bool]:
        """Whether a data value fits the section, answered as fast as can be (a batch asks per value)."""
        checker = self._section.get(section)
        if checker is None:
            return lambda value: False
        if checker.fast is not None:
            is_valid: Callable[[Any], bool] = checker.fast.is_valid
            return is_valid  # trusted, as in Checker.problems
        return lambda value: not checker.problems(value, "value")

    def entry_problems(self, section: str, name: str, value: Any, prefix: str) -> list[Problem]:
        """Check one event value or action payload against its declared schema."""
        declared = name in self._declared[section]
        key = (section, name if declared else None)
        checker = self._entry.get(key)
        if checker is None:
            entry_schema = self._declared[section][name] if declared else self._additional[section]
            if entry_schema is False:
                kind = "event type" if section == "events" else "action"
                return [{"path": prefix, "message": f"{kind} {name!r} is not declared in the device type's schema"}]
            checker = self._entry[key] = Checker(entry_schema)
        return checker.problems(value, prefix)


def _uses(schema: Any, keyword: str) -> bool:
    """Does `keyword` appear anywhere in the schema (a property of that name counts too: the safe side)?"""
    if isinstance(schema, dict):
        return keyword in schema or any(_uses(value, keyword) for value in schema.values())
    if isinstance(schema, list):
        return any(_uses(value, keyword) for value in schema)
    return False


class Checker:
    """One schema: jsonschema gives the error details, behind a compiled fast path (jsonschema-rs, if
    installed) that answers "valid" ~100x faster. Its "valid" is final (the two are checked to agree in
    tests/contracts/test_fast_validators.py); jsonschema explains a refusal."""

    def __init__(self, schema: Any) -> None:
        self.validator = Draft202012Validator(schema, format_checker=_FORMATS)
        self.fast: Any = None
        if _uses(schema, "multipleOf"):  # the two disagree on it (float division: 0.3 of 0.1, 2**70 of 3)
            return
        try:
            import jsonschema_rs

            self.fast = jsonschema_rs.validator_for(schema, validate_formats=True)
        except (ImportError, ValueError):  # not installed, or a schema it will not compile
            self.fast = None

    def problems(self, value: Any, prefix: str) -> list[Problem]:
        if self.fast is not None and self.fast.is_valid(value):  # trusted: tests/contracts/test_fast_validators.py
            return []
        try:
            errors = sorted(self.validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
        except Exception as error:  # e.g. a local $ref that does not resolve inside this schema
            return [{"path": prefix, "message": f"the device type's schema cannot be applied: {error}"[:300]}]
        return [{"path": ".".join([prefix, *(str(p) for p in e.absolute_path)]), "message": e.message} for e in errors]
