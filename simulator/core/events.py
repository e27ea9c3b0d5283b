"""The in-process event bus and the domain events that drive side effects.

Backends publish; the MQTT bridge, streams, notifications and the audit log subscribe.
Handlers run synchronously on the simulator's loop, in subscription order.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from simulator.core.actors import Actor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    tenant_id: str


@dataclass(frozen=True)
class DeviceCreated(DomainEvent):
    device_id: str


@dataclass(frozen=True)
class DeviceDeleted(DomainEvent):
    device_id: str


@dataclass(frozen=True)
class DeviceConfigurationChanged(DomainEvent):
    """The desired configuration changed (create with configuration, PATCH)."""

    device_id: str
    configuration: dict[str, Any]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeviceActionRequested(DomainEvent):
    device_id: str
    action_id: str
    action: str
    payload: Any
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FirmwareInstallationRequested(DomainEvent):
    device_id: str
    message: dict[str, Any]


@dataclass(frozen=True)
class CertificateInvalidated(DomainEvent):
    """A certificate left status `valid` or was deleted: live sessions using it must drop."""

    device_id: str
    fingerprint: str


@dataclass(frozen=True)
class DataReported(DomainEvent):
    device_id: str
    sender_id: str
    kind: str  # "attributes" | "configuration"
    value: dict[str, Any]
    time: str


@dataclass(frozen=True)
class EventReported(DomainEvent):
    device_id: str
    sender_id: str
    event: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DiagnosticRecorded(DomainEvent):
    device_id: str
    entry: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourceChanged(DomainEvent):
    """A backend carried out a change named by a contract operation (feeds the audit log).

    `tenant_id` is the tenant the change happened in ("" for changes outside any tenant,
    such as creating one); `action` is the operationId.
    """

    actor: Actor
    action: str
    resource_id: str | None


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]


class EventBus:
    """Synchronous publish/subscribe on the simulator's loop.

    A failing subscriber is logged and the others still run (serve: a broken side effect must
    not fail the change that triggered it). In strict mode (the pytest fixtures) the error is
    raised to the publisher instead, so a test sees it rather than a line in a log.
    """

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        self._handlers[event_type].append(handler)
        return lambda: self._handlers[event_type].remove(handler)

    def publish(self, event: DomainEvent) -> None:
        for kind in type(event).__mro__:
            for handler in list(self._handlers.get(kind, ())):
                try:
                    handler(event)
                except Exception:
                    if self.strict:
                        raise
                    log.exception("event handler %r failed for %r", handler, event)
