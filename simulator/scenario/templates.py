"""Name, alias, tag and location templates: "Luminaire {n:02d}", "{faker.mac_address}", "zone-{(n - 1) // 4 + 1}".

Each `{...}` is a safe expression (expressions.py) over `n` (1-based index in the fleet), `i`
(0-based), `count`, `fleet` and `faker.<provider>` (a Faker provider called without arguments,
seeded from the fleet's random stream), with an optional format spec after `:`.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from faker import Faker

from simulator.scenario.expressions import Expression, ExpressionError, compile_expression

TEMPLATE_NAMES = ("n", "i", "count", "fleet", "faker")


@lru_cache(maxsize=1)
def _scratch_faker() -> Faker:
    faker = Faker("en_US")
    faker.seed_instance(0)
    return faker


def _provider_names() -> frozenset[str]:
    faker = _scratch_faker()
    return frozenset(
        name
        for provider in faker.providers
        for name in dir(provider)
        if not name.startswith("_") and name != "generator"
    )


class FakerFields(Mapping[str, Any]):
    """`faker.mac_address` in a template: item access calls the provider."""

    def __init__(self, faker: Faker) -> None:
        self._faker = faker

    def __getitem__(self, name: str) -> Any:
        if name not in _provider_names():
            raise KeyError(name)
        return getattr(self._faker, name)()

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(_provider_names()))

    def __len__(self) -> int:
        return len(_provider_names())


@lru_cache(maxsize=512)
def _compile(template: str) -> tuple[tuple[str, Expression | None, str], ...]:
    parts = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise ValueError(f"template {template!r}: {error} (write {{{{ and }}}} for literal braces)") from None
    for literal, field, spec, conversion in parsed:
        if conversion:
            raise ValueError(f"template {template!r}: conversions like !{conversion} are not supported")
        expression = None
        if field is not None:
            if not field.strip():
                raise ValueError(f"template {template!r}: empty {{}}")
            try:
                expression = compile_expression(field, TEMPLATE_NAMES)
            except ExpressionError as error:
                raise ValueError(f"template {template!r}: {error}") from None
            _check_faker(field, template)
        parts.append((literal, expression, spec or ""))
    return tuple(parts)


def _check_faker(field: str, template: str) -> None:
    """Refuse unknown or argument-taking Faker providers when the file loads, not when devices are made."""
    import ast

    for node in ast.walk(ast.parse(field.strip(), mode="eval")):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "faker":
            if node.attr not in _provider_names():
                raise ValueError(f"template {template!r}: faker has no provider {node.attr!r}")
            try:
                getattr(_scratch_faker(), node.attr)()
            except TypeError:
                raise ValueError(f"template {template!r}: faker.{node.attr} needs arguments") from None


def check_template(template: str) -> None:
    _compile(template)


def render(template: str, env: Mapping[str, Any]) -> str:
    """Render with `env` holding n, i, count, fleet and faker (a FakerFields)."""
    out = []
    for literal, expression, spec in _compile(template):
        out.append(literal)
        if expression is not None:
            value = expression.evaluate(env)
            try:
                out.append(format(value, spec))
            except (ValueError, TypeError) as error:
                message = f"template {template!r}: cannot format {value!r} with {spec!r}: {error}"
                raise ExpressionError(message) from None
    return "".join(out)
