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

from simulator.core import undo
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
    """Synchronous publish/subscribe on the simulator's loop (side effects wait for a commit).

    A failing subscriber is logged and the others still run (serve: a broken side effect must
    not fail the change that triggered it). In strict mode (the pytest fixtures) the error is
    raised to the publisher instead, so a test sees it rather than a line in a log.
    """

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self._handlers: dict[type, list[tuple[Handler, bool]]] = defaultdict(list)

    def subscribe(
        self, event_type: type[E], handler: Callable[[E], None], *, after_commit: bool = False
    ) -> Callable[[], None]:
        """after_commit: a side effect outside the world (MQTT downlink, streams, persistence):
        inside a transaction (core/undo.py) it hears the event only once the change is committed."""
        entry = (handler, after_commit)
        self._handlers[event_type].append(entry)
        return lambda: self._handlers[event_type].remove(entry)

    def publish(self, event: DomainEvent) -> None:
        txn = undo.current()
        for kind in type(event).__mro__:
            for handler, after_commit in list(self._handlers.get(kind, ())):
                if after_commit and txn is not None:
                    txn.defer(handler, event)
                else:
                    self.deliver(handler, event)

    def deliver(self, handler: Handler, event: DomainEvent) -> None:
        try:
            handler(event)
        except Exception:
            if self.strict:
                raise
            log.exception("event handler %r failed for %r", handler, event)

    def commit(self, txn: undo.Transaction) -> None:
        """Deliver a transaction's deferred events, in order (more may be deferred meanwhile)."""
        for handler, event in txn.effects:
            self.deliver(handler, event)
