"""Store containers that journal their own changes inside a transaction (core/undo.py).

Copying a tenant's map of 10,000 devices to be able to undo a request costs ~400 µs (every entry
is touched); these containers record what a transaction does to them instead (keys added or
replaced, an append's old length) and copy themselves only on a change that cannot be undone
that way (a removal, a trim). Reads stay plain dict/list reads, except a StructuralDict (a map of
maps), which adopts each value it hands out, so whatever is changed below it is journaled first.
"""

from __future__ import annotations

from collections import deque
from contextvars import ContextVar
from typing import Any

#: The transaction of the running task (core/undo.py sets it).
active: ContextVar[Any] = ContextVar("olt_sim_transaction", default=None)
CONTAINERS: frozenset[type] = frozenset({dict, list, deque, set})
_MISSING = object()


class MapJournal:
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


class ListJournal:
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


def _map_journal(target: JournaledDict) -> MapJournal | None:
    txn = active.get()
    if txn is None:
        return None
    journal = txn.journals.get(id(target))
    if journal is None:
        journal = txn.journals[id(target)] = MapJournal(target)
    assert isinstance(journal, MapJournal)
    return journal


def _list_journal(target: JournaledList) -> ListJournal | None:
    txn = active.get()
    if txn is None:
        return None
    journal = txn.journals.get(id(target))
    if journal is None:
        journal = txn.journals[id(target)] = ListJournal(target)
    assert isinstance(journal, ListJournal)
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
        if type(value) in CONTAINERS:  # plain: adopt (a change of representation, not of content)
            value = adopt(value, self.shape)
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


class DequeJournal:
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
        txn = active.get()
        if txn is not None and id(self) not in txn.journals:
            txn.journals[id(self)] = DequeJournal(self)

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


JOURNALED = (JournaledDict, JournaledList, StructuralDict, JournaledDeque)


def adopt(value: Any, shape: Any) -> Any:
    """A journaled container holding what `value` holds (`value` itself when it is one already).
    A plain container is adopted once (O(n)); reading it is free from then on."""
    if type(value) in JOURNALED:
        return value
    kind, inner = shape
    if kind == "dict":
        return JournaledDict(value) if inner == "item" else StructuralDict(value, inner)
    if kind == "list":
        return JournaledList(value)
    return JournaledDeque(value, value.maxlen)
