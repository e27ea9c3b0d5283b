"""All-or-nothing changes to the world: a transaction that keeps a before-image of every state
object an operation reaches, and puts them back when the operation fails.

Why before-images taken on first access: backends change their dataclasses in place
(`device.tags = ...`, `store.devices[t][id] = d`, `state.attributes[k] = v`), hundreds of
places that an explicit undo call at each would miss. While a transaction is open (and only
then) the world's state classes get `__getattribute__` and `__setattr__` hooks: the first time an
operation reads or sets any attribute of a state object, the object's fields are copied (containers copied
down to the next state object, which gets its own image when it is reached in turn). An object
can only be changed after it was reached, so the images hold everything the operation could
have changed, whatever path it took. Rollback writes the fields back in place, so references
held elsewhere (indexes, MQTT sessions) stay valid; derived caches are rebuilt by
`__post_init__`. The cost is proportional to what the operation touched, never to the
world's size (benchmarks/core.py measures it), and the hook is absent between transactions.

Side effects wait for the outcome: bus handlers subscribed with `after_commit=True` (MQTT
downlink, stream fan-out, persistence, scenario devices) receive the events of a transaction
only when it commits; `after_rollback` callbacks (diagnostics about the failure) run only when
it rolls back, outside it. Transactions nest by joining the outermost one.
"""

from __future__ import annotations

import copy
import dataclasses
import typing
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

_active: ContextVar[Transaction | None] = ContextVar("olt_sim_transaction", default=None)
_IMMUTABLE: frozenset[type] = frozenset({type(None), bool, int, float, str, bytes, datetime})
_hooked: set[type] = set()  # the state classes (non-frozen dataclasses of the world)
_shallow: set[type] = set()  # hooked and frozen dataclasses: a container of them is copied shallowly
_fields: dict[type, tuple[str, ...]] = {}
_open = 0  # transactions open in any task: the hook is installed while this is above zero


def current() -> Transaction | None:
    """The transaction the running task is in, if any."""
    return _active.get()


def register_state_classes(root: type) -> None:
    """Hook every non-frozen dataclass reachable from `root`'s field types (the World, once)."""
    seen: set[type] = set()
    pending: list[Any] = [root]
    while pending:
        hint = pending.pop()
        pending.extend(typing.get_args(hint))
        if not (isinstance(hint, type) and dataclasses.is_dataclass(hint)) or hint in seen:
            continue
        seen.add(hint)
        pending.extend(typing.get_type_hints(hint).values())
        _shallow.add(hint)
        if not hint.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            _hooked.add(hint)
            _fields[hint] = tuple(f.name for f in dataclasses.fields(hint))


def state_classes() -> frozenset[type]:
    return frozenset(_hooked)


def _copy(value: Any) -> Any:
    """A copy of a field's value down to (not into) the next state object."""
    kind = type(value)
    if kind in _IMMUTABLE or kind in _shallow:
        return value
    if kind is dict:
        if not value or type(next(iter(value.values()))) in _shallow:  # a store's map of entities
            return value.copy()
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        if not value or type(value[0]) in _shallow:
            return value.copy()
        return [_copy(v) for v in value]
    if kind is deque:
        if not value or type(value[0]) in _shallow:
            return deque(value, value.maxlen)
        return deque((_copy(v) for v in value), value.maxlen)
    if kind is set:
        return set(value)
    if kind is tuple:
        return tuple(_copy(v) for v in value)
    if isinstance(value, dict | list | set | deque):  # subclasses (none today): a shallow copy
        return copy.copy(value)
    return value  # frozen or foreign objects: replaced, never changed in place


def _touching(self: Any, name: str) -> Any:
    """`__getattribute__` of state classes while a transaction is open anywhere."""
    txn = _active.get()
    if txn is not None and id(self) not in txn.images:
        txn.keep(self)
    return object.__getattribute__(self, name)


def _touching_set(self: Any, name: str, value: Any) -> None:
    """`__setattr__` of state classes while a transaction is open (a write need not follow a read)."""
    txn = _active.get()
    if txn is not None and id(self) not in txn.images:
        txn.keep(self)
    object.__setattr__(self, name, value)


def _install() -> None:
    for cls in _hooked:
        cls.__getattribute__ = _touching  # type: ignore[method-assign,assignment]
        cls.__setattr__ = _touching_set  # type: ignore[method-assign,assignment]


def _uninstall() -> None:
    for cls in _hooked:
        del cls.__getattribute__
        del cls.__setattr__


class Transaction:
    def __init__(self) -> None:
        self.images: dict[int, tuple[Any, dict[str, Any]]] = {}
        self.effects: list[tuple[Callable[[Any], None], Any]] = []
        self.after_rollback: list[Callable[[], object]] = []
        self.failed = False

    def keep(self, obj: Any) -> None:
        """Take `obj`'s before-image (its fields, containers copied)."""
        values = object.__getattribute__(obj, "__dict__")
        names = _fields.get(type(obj)) or tuple(values)
        self.images[id(obj)] = (obj, {n: _copy(values[n]) for n in names if n in values})

    def defer(self, handler: Callable[[Any], None], event: Any) -> None:
        """Hand `event` to `handler` when (and only if) the transaction commits."""
        self.effects.append((handler, event))

    def fail(self) -> None:
        """Roll back at the end even though no exception is raised (an error response)."""
        self.failed = True

    def _restore(self) -> None:
        for obj, image in reversed(list(self.images.values())):
            values = object.__getattribute__(obj, "__dict__")
            values.update(image)
            post_init = getattr(type(obj), "__post_init__", None)
            if post_init is not None:  # derived caches (indexes, compiled schemas) rebuild from the fields
                post_init(obj)


@contextmanager
def transaction(on_commit: Callable[[Transaction], None], on_rollback: Callable[[], None]) -> Iterator[Transaction]:
    """Run a block all-or-nothing; inside another transaction the block joins it.

    on_commit runs the deferred effects (still undoable: a strict bus raises into a rollback);
    on_rollback restores what lives outside the state objects (the seeded random source).
    """
    outer = _active.get()
    if outer is not None:
        yield outer
        return
    global _open
    txn = Transaction()
    token = _active.set(txn)
    if _open == 0:
        _install()
    _open += 1
    try:
        try:
            yield txn
            if not txn.failed:
                on_commit(txn)
        except BaseException:
            txn.failed = True
            raise
        finally:
            if txn.failed:
                txn._restore()
                on_rollback()
    finally:
        _open -= 1
        if _open == 0:
            _uninstall()
        _active.reset(token)
        if txn.failed:
            for redo in txn.after_rollback:
                redo()

