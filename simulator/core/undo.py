"""All-or-nothing changes to the world: a transaction keeps the before-value of every field of a
state object that an operation may change, and puts them back when the operation fails.

Backends change their dataclasses in place (`device.tags = ...`, `store.devices[t][id] = d`,
`state.attributes[k] = v`), hundreds of places that an explicit undo call at each would miss.
So the world's state classes (every non-frozen dataclass reachable from `World`) carry two
hooks, found from their type hints at import: `__setattr__` keeps the value it replaces, and
each field that can hold a container (dict, list, deque, set) is a descriptor whose read keeps
a copy of the container (copied down to the next state object, which keeps its own fields when
they are reached in turn). A container can only be changed in place after it was read, and a
plain value only through `__setattr__`, so what is kept covers everything the operation could
have changed, whatever path it took. Outside a transaction both hooks only check a context
variable; plain fields read at full speed. Rollback writes the values back in place, so
references held elsewhere (indexes, MQTT sessions) stay valid; derived caches are rebuilt by
`__post_init__`.

The cost follows what the operation touched, not the world's size (benchmarks/core.py measures
it): a store's own containers (a tenant's map of devices, a device's timeseries, the audit log)
become journaled containers the first time a transaction reads them (JournaledDict, StructuralDict,
JournaledList, JournaledDeque: their changes are journaled; reads stay plain reads, but a map of
maps adopts each value it hands out);
JSON values (a device's configuration) are copied when read.

Side effects wait for the outcome: bus handlers subscribed with `after_commit=True` (MQTT
downlink, stream fan-out, persistence, scenario devices) receive the events of a transaction
only when it commits; `after_rollback` callbacks (diagnostics about the failure) run only when
it rolls back, outside it. Transactions nest by joining the outermost one.
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any

_active: ContextVar[Transaction | None] = ContextVar("olt_sim_transaction", default=None)
_IMMUTABLE: frozenset[type] = frozenset({type(None), bool, int, float, str, bytes, datetime})
_hooked: set[type] = set()  # the state classes (non-frozen dataclasses of the world)
_shallow: set[type] = set()  # hooked and frozen dataclasses: a container of them is copied shallowly


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
        cls.__setattr__ = _touching_set  # type: ignore[method-assign,assignment]
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            if _may_hold_container(hints[field.name]):
                setattr(cls, field.name, _ContainerField(field.name, _shape(hints[field.name])))


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


class _MapJournal:
    """What a transaction did to one JournaledDict: keys added at the end and values replaced
    (cheap to undo), or, from the first removal on, a copy of the whole map."""

    def __init__(self, target: JournaledDict) -> None:
        self.target = target
        self.added: dict[Any, None] = {}
        self.replaced: dict[Any, Any] = {}
        self.full: dict[Any, Any] | None = None

    def setting(self, key: Any) -> None:
        if self.full is not None or key in self.added or key in self.replaced:
            return
        if key in self.target:
            self.replaced[key] = dict.__getitem__(self.target, key)
        else:
            self.added[key] = None

    def removing(self) -> None:
        if self.full is None:
            self.full = dict(self.target)

    def rollback(self) -> None:
        target = self.target
        if self.full is not None:
            dict.clear(target)
            dict.update(target, self.full)
        for key in reversed(self.added):
            dict.pop(target, key, None)
        for key, value in self.replaced.items():
            dict.__setitem__(target, key, value)


class _ListJournal:
    """What a transaction did to one JournaledList: appends (undone by cutting back to the old
    length) or, from the first other change on (a trim, an insert), a copy of the whole list."""

    def __init__(self, target: JournaledList) -> None:
        self.target = target
        self.length = len(target)
        self.full: list[Any] | None = None

    def changing(self) -> None:
        if self.full is None:
            self.full = list(self.target)

    def rollback(self) -> None:
        base = self.full if self.full is not None else self.target
        list.__setitem__(self.target, slice(None), base[: self.length])


def _map_journal(target: JournaledDict) -> _MapJournal | None:
    txn = _active.get()
    if txn is None:
        return None
    journal = txn.journals.get(id(target))
    if journal is None:
        journal = txn.journals[id(target)] = _MapJournal(target)
    assert isinstance(journal, _MapJournal)
    return journal


def _list_journal(target: JournaledList) -> _ListJournal | None:
    txn = _active.get()
    if txn is None:
        return None
    journal = txn.journals.get(id(target))
    if journal is None:
        journal = txn.journals[id(target)] = _ListJournal(target)
    assert isinstance(journal, _ListJournal)
    return journal


class JournaledDict(dict[Any, Any]):
    """A store's map of state objects (tenant's devices, users, ...): inside a transaction its
    changes are journaled, so reading it costs nothing where a copy would cost ~40 ns per entry.
    Reads are plain dict reads; a map becomes journaled the first time a transaction reads it."""

    __slots__ = ()

    def __setitem__(self, key: Any, value: Any) -> None:
        journal = _map_journal(self)
        if journal is not None:
            journal.setting(key)
        dict.__setitem__(self, key, value)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> JournaledDict:  # type: ignore[misc]
        self.update(other)
        return self

    def _removing(self) -> None:
        journal = _map_journal(self)
        if journal is not None:
            journal.removing()

    def __delitem__(self, key: Any) -> None:
        self._removing()
        dict.__delitem__(self, key)

    def pop(self, *args: Any) -> Any:
        self._removing()
        return dict.pop(self, *args)

    def popitem(self) -> tuple[Any, Any]:
        self._removing()
        return dict.popitem(self)

    def clear(self) -> None:
        self._removing()
        dict.clear(self)


class JournaledList(list[Any]):
    """A store's list of records (a tenant's audit log, a notification history): appends inside a
    transaction are undone by length, anything else by a copy taken at that moment."""

    __slots__ = ()

    def append(self, value: Any) -> None:
        _list_journal(self)  # the old length is taken on the first change
        list.append(self, value)

    def _changing(self) -> None:
        journal = _list_journal(self)
        if journal is not None:
            journal.changing()

    def extend(self, values: Any) -> None:
        self._changing()
        list.extend(self, values)

    def insert(self, index: Any, value: Any) -> None:
        self._changing()
        list.insert(self, index, value)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._changing()
        list.__setitem__(self, index, value)

    def __delitem__(self, index: Any) -> None:
        self._changing()
        list.__delitem__(self, index)

    def pop(self, index: Any = -1) -> Any:
        self._changing()
        return list.pop(self, index)

    def remove(self, value: Any) -> None:
        self._changing()
        list.remove(self, value)

    def clear(self) -> None:
        self._changing()
        list.clear(self)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._changing()
        list.sort(self, *args, **kwargs)

    def reverse(self) -> None:
        self._changing()
        list.reverse(self)

    def __iadd__(self, values: Any) -> JournaledList:  # type: ignore[misc]
        self.extend(values)
        return self


class StructuralDict(JournaledDict):
    """A store's map of maps or lists (tenant -> device -> path -> series): a value is adopted as a
    journaled container on its way out, so whatever is changed below was journaled first."""

    __slots__ = ("shape",)

    def __init__(self, value: Any, shape: Any) -> None:
        dict.__init__(self, value)
        self.shape = shape

    def _out(self, key: Any, value: Any) -> Any:
        if type(value) in _CONTAINERS:  # plain: adopt (a change of representation, not of content)
            value = _adopt(value, self.shape)
            dict.__setitem__(self, key, value)
        return value

    def __getitem__(self, key: Any) -> Any:
        return self._out(key, dict.__getitem__(self, key))

    def get(self, key: Any, default: Any = None) -> Any:
        value = dict.get(self, key, _MISSING)
        return default if value is _MISSING else self._out(key, value)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def values(self) -> Any:
        return [self._out(key, value) for key, value in list(dict.items(self))]

    def items(self) -> Any:
        return [(key, self._out(key, value)) for key, value in list(dict.items(self))]

    def __reduce__(self) -> Any:
        return (StructuralDict, (dict(self), self.shape))


class _DequeJournal:
    def __init__(self, target: JournaledDeque) -> None:
        self.target = target
        self.full = list(target)

    def rollback(self) -> None:
        deque.clear(self.target)
        deque.extend(self.target, self.full)


class JournaledDeque(deque[Any]):
    """A store's bounded log (a device's events): the first change in a transaction copies it."""

    __slots__ = ()

    def _changing(self) -> None:
        txn = _active.get()
        if txn is not None and id(self) not in txn.journals:
            txn.journals[id(self)] = _DequeJournal(self)

    def append(self, value: Any) -> None:
        self._changing()
        deque.append(self, value)

    def appendleft(self, value: Any) -> None:
        self._changing()
        deque.appendleft(self, value)

    def extend(self, values: Any) -> None:
        self._changing()
        deque.extend(self, values)

    def pop(self) -> Any:  # type: ignore[override]  # deque.pop takes no index
        self._changing()
        return deque.pop(self)

    def popleft(self) -> Any:
        self._changing()
        return deque.popleft(self)

    def remove(self, value: Any) -> None:
        self._changing()
        deque.remove(self, value)

    def clear(self) -> None:
        self._changing()
        deque.clear(self)

    def __delitem__(self, index: Any) -> None:
        self._changing()
        deque.__delitem__(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._changing()
        deque.__setitem__(self, index, value)


_JOURNALED = (JournaledDict, JournaledList, StructuralDict, JournaledDeque)


def _adopt(value: Any, shape: Any) -> Any:
    """A journaled container holding what `value` holds (`value` itself when it is one already).
    A plain container is adopted once (O(n)); reading it is free from then on."""
    if type(value) in _JOURNALED:
        return value
    kind, inner = shape
    if kind == "dict":
        return JournaledDict(value) if inner == "item" else StructuralDict(value, inner)
    if kind == "list":
        return JournaledList(value)
    return JournaledDeque(value, value.maxlen)


def _copy(value: Any) -> Any:
    """A copy of a field's value down to (not into) the next state object."""
    kind = type(value)
    if kind in _IMMUTABLE or kind in _shallow:
        return value
    if kind in _JOURNALED:
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


_MISSING = object()
_CONTAINERS: frozenset[type] = frozenset({dict, list, deque, set})


def _keep(txn: Transaction, obj: Any, name: str, value: Any) -> None:
    kept = txn.kept.get(id(obj))
    if kept is None:
        kept = txn.kept[id(obj)] = (obj, {})
    if name not in kept[1]:
        kept[1][name] = value


class _ContainerField:
    """The class attribute of a field that can hold a container: reading it inside a transaction
    keeps a copy first (the container may be changed in place, with no `__setattr__`). Plain
    fields have no descriptor and read at full speed; this costs ~0.2 µs per container read."""

    __slots__ = ("name", "shape")

    def __init__(self, name: str, shape: Any) -> None:
        self.name = name
        self.shape = shape  # see _shape: how to journal this field's container, None: copy it

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        try:
            value = obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None
        txn = _active.get()
        if txn is not None and type(value) in _CONTAINERS:
            if self.shape is None:
                _keep(txn, obj, self.name, _copy(value))
            else:
                value = obj.__dict__[self.name] = _adopt(value, self.shape)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = value  # `__setattr__` (below) has kept the old value


def _touching_set(self: Any, name: str, value: Any) -> None:
    """`__setattr__` of state classes: inside a transaction the replaced value is kept."""
    txn = _active.get()
    if txn is not None:
        _keep(txn, self, name, self.__dict__.get(name, _MISSING))
    object.__setattr__(self, name, value)


class Transaction:
    def __init__(self) -> None:
        #: id(state object) -> (the object, field -> value before the transaction)
        self.kept: dict[int, tuple[Any, dict[str, Any]]] = {}
        #: id(journaled container) -> its journal (JournaledDict, JournaledList)
        self.journals: dict[int, _MapJournal | _ListJournal | _DequeJournal] = {}
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
            values = object.__getattribute__(obj, "__dict__")
            for name, value in before.items():
                if value is _MISSING:
                    values.pop(name, None)
                else:
                    values[name] = value
            post_init = getattr(type(obj), "__post_init__", None)
            made_here = any(value is _MISSING for value in before.values())  # gone with the rollback
            if post_init is not None and not made_here:  # derived caches (indexes, compiled schemas)
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
        if txn.failed:
            txn._restore()
            for redo in txn.after_rollback:
                redo()
