"""`records_change`: a backend method that carries out a contract operation announces it on the bus.

Every backend method named after a mutating operation is decorated, so the audit log (and
anything else that listens for `ResourceChanged`) hears about the change whichever surface
made it: HTTP, MQTT, a scenario or a plain Python call. Only the outermost change is announced
(`replace_notification` calling `update_notification` is one change), and only when it succeeds:
each such call is a transaction (core/undo.py), so a call failing half-way leaves the world as it was.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextlib import AbstractContextManager
from contextvars import ContextVar
from typing import Any, ParamSpec, Protocol, TypeVar, cast

from simulator.core.actors import IN_PROCESS, current_actor
from simulator.core.events import EventBus, ResourceChanged

P = ParamSpec("P")
R = TypeVar("R")

_changing: ContextVar[bool] = ContextVar("olt_sim_changing", default=False)


class _HasBus(Protocol):
    @property
    def bus(self) -> EventBus: ...

    def transaction(self) -> AbstractContextManager[object]: ...


class _HasSim(Protocol):
    @property
    def sim(self) -> _HasBus: ...


def records_change(
    operation_id: str, *, resource: str | None = None, created: bool = False, telemetry: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Announce a successful call as `ResourceChanged(action=operation_id)`.

    resource:  the parameter naming the changed resource (the last id of the operation's path).
    created:   the result's `id` names the new resource (falls back to `resource`).
    telemetry: data a device reports is recorded only when an actor was named (an HTTP caller):
               a fleet's readings over MQTT would otherwise flood the bounded audit log.
    """

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        parameters = inspect.signature(method).parameters
        position = {name: index for index, name in enumerate(parameters)}  # index 0 is self
        defaults = {name: p.default for name, p in parameters.items() if p.default is not p.empty}
        has_tenant = "tenant_id" in parameters

        def argument(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            """The value a call passed for `name` (cheaper than binding the whole signature)."""
            if name in kwargs:
                return kwargs[name]
            index = position[name]
            return args[index] if index < len(args) else defaults.get(name)

        @functools.wraps(method)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if _changing.get() or (telemetry and current_actor() is None):  # the hot path of device readings
                return method(*args, **kwargs)
            owner = cast(_HasSim, args[0])  # the backend whose method this is
            with owner.sim.transaction():  # a call that fails half-way changes nothing (core/undo.py)
                token = _changing.set(True)
                try:
                    result = method(*args, **kwargs)
                finally:
                    _changing.reset(token)
                actor = current_actor()
                resource_id = getattr(result, "id", None) if created else None
                if not isinstance(resource_id, str):
                    resource_id = argument(resource, args, kwargs) if resource else None
                owner.sim.bus.publish(
                    ResourceChanged(
                        tenant_id=str(argument("tenant_id", args, kwargs)) if has_tenant else "",
                        actor=actor or IN_PROCESS,
                        action=operation_id,
                        resource_id=None if resource_id is None else str(resource_id),
                    )
                )
            return result

        wrapper.recorded_operation = operation_id  # type: ignore[attr-defined]  # found by tests
        return wrapper

    return decorate
