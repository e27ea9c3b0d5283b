"""Endpoints name their contract operation explicitly: `@operation("getDevice")`.

The dispatcher collects the decorated functions of every `services/*/endpoints.py` and
`identity/endpoints.py` and refuses to start when the table is wrong: an operation the contract
does not have, one operation claimed twice, an endpoint that is not `async def f(call: Call) ->
Response`, or a contract operation nobody serves. A search for an operationId finds its function.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Awaitable, Callable, Collection, Iterable
from types import ModuleType
from typing import TypeVar

from starlette.responses import Response

from simulator.api.call import Call

Endpoint = Callable[[Call], Awaitable[Response]]
F = TypeVar("F", bound=Callable[..., object])

ENDPOINT_PACKAGES = ("simulator.services", "simulator.identity")


class EndpointTableError(RuntimeError):
    """The endpoints do not match the contract's operations (raised at startup)."""


def operation(operation_id: str) -> Callable[[F], F]:
    """Mark an endpoint as the one serving `operation_id`."""

    def register(function: F) -> F:
        function.operation_id = operation_id  # type: ignore[attr-defined]
        return function

    return register


def endpoint_modules(packages: Iterable[str] = ENDPOINT_PACKAGES) -> list[ModuleType]:
    found = []
    for name in packages:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name.endswith(".endpoints"):
                found.append(importlib.import_module(info.name))
    return found


def _signature_problem(function: Callable[..., object]) -> str | None:
    if not inspect.iscoroutinefunction(function):
        return "is not an async def"
    parameters = list(inspect.signature(function).parameters.values())
    try:
        hints = typing.get_type_hints(function)
    except (NameError, TypeError, AttributeError) as error:  # unresolvable annotations: a wrong signature
        return f"has annotations that do not resolve ({error})"
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if len(parameters) != 1 or parameters[0].kind not in positional:
        return "must take exactly one parameter (call: Call)"
    if hints.get(parameters[0].name) is not Call:
        return "must take (call: Call)"
    returned = hints.get("return")
    if not (inspect.isclass(returned) and issubclass(returned, Response)):
        return "must return a Response"
    return None


def collect_endpoints(
    modules: Iterable[ModuleType], operation_ids: Collection[str], not_served: Collection[str] = ()
) -> dict[str, Endpoint]:
    """operationId -> endpoint, or EndpointTableError listing every problem at once."""
    found: dict[str, Endpoint] = {}
    where: dict[str, str] = {}
    problems: list[str] = []
    for module in modules:
        for name, value in vars(module).items():
            operation_id = getattr(value, "operation_id", None)
            if not callable(value) or operation_id is None or getattr(value, "__module__", None) != module.__name__:
                continue
            label = f"{module.__name__}.{name}"
            if operation_id not in operation_ids:
                problems.append(f"{label} names {operation_id!r}, which is not a contract operation")
            elif operation_id in found:
                problems.append(f"{label} and {where[operation_id]} both serve {operation_id}")
            elif (problem := _signature_problem(value)) is not None:
                problems.append(f"{label} ({operation_id}) {problem}")
            else:
                found[operation_id] = value
                where[operation_id] = label
    missing = sorted(set(operation_ids) - set(found) - set(not_served))
    if missing:
        problems.append(f"operations without an endpoint (and not listed as not simulated): {missing}")
    if problems:
        raise EndpointTableError("; ".join(problems))
    return found
