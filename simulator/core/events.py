"""The in-process event bus and the domain events that drive side effects.

Backends publish; the MQTT bridge, streams, notifications and the audit log subscribe.
Handlers run synchronously on the simulator's loop, in subscription order.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

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
class EventBatch(DomainEvent):
    """Many events of one kind published as one (a fleet's reports at one clock moment).

    Subscribers that registered a batch handler hear the batch once; every other subscriber of
    the item type hears each item as if it had been published alone (`EventBus.publish`).
    """

    item_type: ClassVar[type[DomainEvent]] = DomainEvent

    def items(self) -> Iterator[DomainEvent]:
        raise NotImplementedError


@dataclass(frozen=True)
class DataReportedBatch(EventBatch):
    """`DataReported` of one tenant, kind and time for many devices (parallel lists, one per message)."""

    item_type: ClassVar[type[DomainEvent]] = DataReported
    kind: str
    time: str
    device_ids: list[str] = field(default_factory=list)
    sender_ids: list[str] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.device_ids)

    def items(self) -> Iterator[DataReported]:
        tenant_id, kind, time = self.tenant_id, self.kind, self.time
        for device_id, sender_id, value in zip(self.device_ids, self.sender_ids, self.values, strict=True):
            yield DataReported(tenant_id, device_id, sender_id, kind, value, time)


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
        #: event type -> (handler, after_commit) in subscription order
        self._handlers: dict[type, list[tuple[Handler, bool]]] = defaultdict(list)
        #: (event type, handler of single events) -> the same subscriber's batch handler
        self._batch_handlers: dict[tuple[type, Handler], Handler] = {}

    def subscribe(
        self,
        event_type: type[E],
        handler: Callable[[E], None],
        *,
        batch: Callable[[Any], None] | None = None,
        after_commit: bool = False,
    ) -> Callable[[], None]:
        """`handler` hears every `event_type` (and subclass) event; with `batch`, a batch of such
        events (`EventBatch`) goes to `batch` once instead of to `handler` item by item.

        after_commit: a side effect outside the world (MQTT downlink, streams, persistence):
        inside a transaction (core/undo.py) it hears the event only once the change is committed."""
        entry = (handler, after_commit)
        self._handlers[event_type].append(entry)
        if batch is not None:
            self._batch_handlers[event_type, handler] = batch

        def unsubscribe() -> None:
            self._handlers[event_type].remove(entry)
            if all(h is not handler for h, _ in self._handlers[event_type]):
                self._batch_handlers.pop((event_type, handler), None)

        return unsubscribe

    def publish(self, event: DomainEvent) -> None:
        txn = undo.current()
        if isinstance(event, EventBatch):
            self._publish_batch(event, txn)
            return
        for kind in type(event).__mro__:
            for handler, after_commit in list(self._handlers.get(kind, ())):
                self._route(handler, event, after_commit, txn)

    def _publish_batch(self, batch: EventBatch, txn: undo.Transaction | None) -> None:
        """Each subscriber of the item type, in subscription order: its batch handler once, or
        (a subscriber that knows no batches) every item as its own event, made on first need."""
        items: list[DomainEvent] | None = None
        for kind in batch.item_type.__mro__:
            for handler, after_commit in list(self._handlers.get(kind, ())):
                batch_handler = self._batch_handlers.get((kind, handler))
                if batch_handler is not None:
                    self._route(batch_handler, batch, after_commit, txn)
                    continue
                if items is None:
                    items = list(batch.items())
                for item in items:
                    self._route(handler, item, after_commit, txn)

    def _route(self, handler: Handler, event: DomainEvent, after_commit: bool, txn: undo.Transaction | None) -> None:
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
