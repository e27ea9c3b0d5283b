"""All-or-nothing changes to the world: a transaction keeps the before-value of every field of a
state object that an operation may change, and puts them back when the operation fails.

Backends change their dataclasses in place (`device.tags = ...`, `store.devices[t][id] = d`,
`state.attributes[k] = v`), hundreds of places that an explicit undo call at each would miss.
So the world's state classes (every non-frozen dataclass reachable from `World`) carry two
hooks, found from their type hints at import: `__setattr__` keeps the value it replaces, and
`__getattribute__` keeps a copy of a container (dict, list, deque, set) read from a field that
can hold one (copied down to the next state object, which keeps its own fields when they are
reached in turn). A container can only be changed in place after it was read, and a plain value
only through `__setattr__`, so what is kept covers everything the operation could have changed,
whatever path it took. Neither hook touches an instance's `__dict__`: on CPython 3.11 asking
for it turns the object's inline attribute values into a dict, and every later attribute access
on that object gets about four times slower.

The hooks are on the classes only while transactions run: the first transaction puts them on,
and a read or a device's reading (which need no transaction: ingest/models.py) takes them off
again when no transaction is open anywhere (`unhook_while_idle`), so those pay nothing for
them. Rollback writes the values back in place, so references held elsewhere (indexes, MQTT
sessions) stay valid; derived caches are rebuilt by `__post_init__`.

The cost follows what the operation touched, not the world's size (benchmarks/core.py measures
it): a store's own containers (a tenant's map of devices, a device's timeseries, the audit log)
become journaled containers (core/journaled.py) the first time a transaction reads them, and
journal their own changes; JSON values (a device's configuration) are copied when read.

Side effects wait for the outcome: bus handlers subscribed with `after_commit=True` (MQTT
downlink, stream fan-out, persistence, scenario devices) receive the events of a transaction
only when it commits; `after_rollback` callbacks (diagnostics about the failure) run only when
it rolls back, outside it. Transactions nest by joining the outermost one.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import threading
import types
import typing
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from simulator.core.journaled import CONTAINERS, JOURNALED, DequeJournal, ListJournal, MapJournal, active, adopt

_active: ContextVar[Transaction | None] = active  # the running task's transaction
_IMMUTABLE: frozenset[type] = frozenset({type(None), bool, int, float, str, bytes, datetime})
_hooked: set[type] = set()  # the state classes (non-frozen dataclasses of the world)
_shallow: set[type] = set()  # hooked and frozen dataclasses: a container of them is copied shallowly
_field_names: dict[type, frozenset[str]] = {}  # state class -> its dataclass fields
#: state class -> its fields that can hold a container -> how to journal it (see _shape)
_container_fields: dict[type, dict[str, Any]] = {}
_MISSING = object()
_NOT_A_FIELD = object()
_get = object.__getattribute__
_set = object.__setattr__


class _Hooks:
    """The hooks of the state classes, on the classes only while a transaction may need them.

    Putting them on or taking them off costs ~20 µs (80 class attributes), so they are not
    switched per transaction: the first transaction puts them on, and they stay until a reading
    finds no transaction open. Open transactions are counted across tasks and threads."""

    def __init__(self) -> None:
        #: (class, attribute, hook): attributes the classes do not define themselves
        self.entries: list[tuple[type, str, Any]] = []
        self.on = False
        self.open = 0
        self.lock = threading.Lock()

    def add(self, cls: type, name: str, hook: Any) -> None:
        if name in cls.__dict__:  # taking the hook off deletes it: nothing of the class's own may be there
            raise TypeError(f"{cls.__qualname__} defines {name} itself: it cannot be a state class")
        self.entries.append((cls, name, hook))

    def opened(self) -> None:
        with self.lock:
            self.open += 1
            if not self.on:
                for cls, name, hook in self.entries:
                    setattr(cls, name, hook)
                self.on = True

    def closed(self) -> None:
        with self.lock:
            self.open -= 1

    def off_while_idle(self) -> None:
        if not self.on:  # the common case on the hot path: one attribute read
            return
        with self.lock:
            if self.open or not self.on:
                return
            for cls, name, _ in self.entries:
                delattr(cls, name)
            self.on = False


_hooks = _Hooks()


def unhook_while_idle() -> None:
    """Take the hooks off the state classes if no transaction is open (the hot path of readings)."""
    _hooks.off_while_idle()


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
    for cls in _hooked:
        _field_names[cls] = frozenset(f.name for f in dataclasses.fields(cls))
        _hooks.add(cls, "__setattr__", _touching_set)
        hints = typing.get_type_hints(cls)
        shapes = {f.name: _shape(hints[f.name]) for f in dataclasses.fields(cls) if _may_hold_container(hints[f.name])}
        if shapes:
            _container_fields[cls] = shapes
            _hooks.add(cls, "__getattribute__", _touching_get)


def _shape(hint: Any) -> Any:
    """How a store's container field is built, from its type: "item" (a state object or a plain
    value), ("dict" | "list" | "deque", shape of the items); None for JSON (Any, dict[str, Any]),
    which is copied instead. A list of Any counts as items: only a timeseries' values are that."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _shape(args[0]) if len(args) == 1 else None
    if hint in _shallow or hint in _IMMUTABLE:
        return "item"
    if origin is dict and len(args) == 2:
        inner = _shape(args[1])
        return None if inner is None else ("dict", inner)
    if origin in (list, deque) and len(args) == 1:
        inner = "item" if args[0] is Any else _shape(args[0])
        return (origin.__name__, inner) if inner == "item" else None
    return None


def _may_hold_container(hint: Any) -> bool:
    """Whether a field of this type can hold a dict, list, deque or set (changed in place)."""
    if hint is Any or hint is object:
        return True
    origin = typing.get_origin(hint) or hint
    if origin in (typing.Union, types.UnionType):
        return any(_may_hold_container(arg) for arg in typing.get_args(hint))
    return isinstance(origin, type) and issubclass(origin, dict | list | deque | set)


def state_classes() -> frozenset[type]:
    return frozenset(_hooked)


def _copy(value: Any) -> Any:
    """A copy of a field's value down to (not into) the next state object."""
    kind = type(value)
    if kind in _IMMUTABLE or kind in _shallow:
        return value
    if kind in JOURNALED:
        return value  # journals its own changes
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


def _keep(txn: Transaction, obj: Any, name: str, value: Any) -> None:
    kept = txn.kept.get(id(obj))
    if kept is None:
        kept = txn.kept[id(obj)] = (obj, {})
    before = kept[1]
    if before is not None and name not in before:
        before[name] = value


def _touching_get(self: Any, name: str) -> Any:
    """`__getattribute__` of state classes with container fields: inside a transaction, a
    container read from such a field is kept (copied) or made a journaled one first, since it
    may be changed in place, with no `__setattr__`. ~0.15 µs per attribute read while on."""
    value = _get(self, name)
    if type(value) in CONTAINERS:
        txn = _active.get()
        if txn is not None:
            kept = txn.kept.get(id(self))
            if kept is not None and kept[1] is None:  # made in this transaction: nothing to keep
                return value
            shape = _container_fields.get(type(self), {}).get(name, _NOT_A_FIELD)
            if shape is None:
                _keep(txn, self, name, _copy(value))
            elif shape is not _NOT_A_FIELD:
                value = adopt(value, shape)  # a change of representation, not of content
                _set(self, name, value)
    return value


def _touching_set(self: Any, name: str, value: Any) -> None:
    """`__setattr__` of state classes: inside a transaction the replaced value is kept. (A field
    with a plain default reads as that default before `__init__` set it; kept, it restores as the
    same value, which reads the same.)"""
    txn = _active.get()
    if txn is not None:
        kept = txn.kept.get(id(self))
        if kept is None or kept[1] is not None:
            try:
                before = _get(self, name)
            except AttributeError:
                before = _MISSING
            if kept is None and before is _MISSING and name in _field_names.get(type(self), ()):
                txn.kept[id(self)] = (self, None)  # being built: a rollback drops it, nothing to keep
            else:
                _keep(txn, self, name, before)
    _set(self, name, value)


class Transaction:
    def __init__(self) -> None:
        #: id(state object) -> (the object, field -> value before the transaction; None: made in it)
        self.kept: dict[int, tuple[Any, dict[str, Any] | None]] = {}
        #: id(journaled container) -> its journal (JournaledDict, JournaledList)
        self.journals: dict[int, MapJournal | ListJournal | DequeJournal] = {}
        #: objects outside the state classes (the random source) and how to put each back
        self.restorers: dict[int, tuple[object, Callable[[], object]]] = {}
        self.effects: list[tuple[Callable[[Any], None], Any]] = []
        self.after_rollback: list[Callable[[], object]] = []
        self.failed = False

    def defer(self, handler: Callable[[Any], None], event: Any) -> None:
        """Hand `event` to `handler` when (and only if) the transaction commits."""
        self.effects.append((handler, event))

    def fail(self) -> None:
        """Roll back at the end even though no exception is raised (an error response)."""
        self.failed = True

    def _restore(self) -> None:
        """Put every kept value back (called outside the transaction: the hooks keep nothing more)."""
        for obj, before in reversed(list(self.kept.values())):
            if before is None:  # made in the transaction: unreachable once the rest is put back
                continue
            for name, value in before.items():
                if value is not _MISSING:
                    _set(obj, name, value)
                else:  # an attribute the transaction added
                    with contextlib.suppress(AttributeError):
                        object.__delattr__(obj, name)
            post_init = getattr(type(obj), "__post_init__", None)
            if post_init is not None:  # derived caches (indexes, compiled schemas)
                post_init(obj)
        for journal in reversed(list(self.journals.values())):
            journal.rollback()
        for _, restore in self.restorers.values():
            restore()


class transaction:  # lower-case: used like a function, `with undo.transaction(...) as txn`
    """Run a block all-or-nothing; inside another transaction the block joins it.

    on_commit runs the deferred effects (still undoable: a strict bus raises into a rollback).
    A class rather than @contextmanager: this runs for every changing request.
    """

    def __init__(self, on_commit: Callable[[Transaction], None]) -> None:
        self.on_commit = on_commit
        self.txn: Transaction | None = None
        self.token: Any = None

    def __enter__(self) -> Transaction:
        outer = _active.get()
        if outer is not None:
            return outer
        _hooks.opened()
        self.txn = Transaction()
        self.token = _active.set(self.txn)
        return self.txn

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        txn = self.txn
        if txn is None:
            return
        try:
            if kind is not None:
                txn.failed = True
            elif not txn.failed:
                self.on_commit(txn)
        except BaseException:
            txn.failed = True
            raise
        finally:
            self._close(txn)

    def _close(self, txn: Transaction) -> None:
        _active.reset(self.token)
        try:
            if txn.failed:
                txn._restore()
                for redo in txn.after_rollback:
                    redo()
        finally:
            _hooks.closed()  # the hooks stay on: outside a transaction they keep nothing
