"""The device filter "DF" (facts A.14) and the per-tenant indexes that answer it without a full scan.

AND across kinds, OR within a kind. Names, tags and aliases match case-insensitively with `*`
wildcards; device-type name, id and category go through the type. Results are newest first.
Index buckets are dicts (id -> device) kept in creation order, so a single-bucket answer is
already sorted and a page of it costs O(page), not O(fleet).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, overload

from simulator.core.filters import strings, wildcard

if TYPE_CHECKING:
    from simulator.services.device_types.models import DeviceType
    from simulator.services.devices.models import Device

Bucket = dict[str, "Device"]


def matches(value: str, patterns: Sequence[str]) -> bool:
    """`value` (lower-cased) against lower-cased patterns: exact, or `*` wildcards."""
    return any(wildcard(p, False).match(value) if "*" in p else value == p for p in patterns)


def index_keys(device: Device) -> dict[str, list[str]]:
    """What the indexes file a device under (lower-cased where matching is case-insensitive)."""
    return {
        "tag": list(dict.fromkeys(device.tags)),
        "name": [device.name.lower()],
        "alias": list(dict.fromkeys(a.lower() for a in device.aliases)),
        "type": [device.device_type_id],
        "connected_by": [device.connected_by] if device.connected_by else [],
    }


@dataclass
class TenantIndex:
    """Creation-ordered buckets per filterable field of one tenant's devices (derived, never snapshotted)."""

    buckets: dict[str, dict[str, Bucket]] = field(
        default_factory=lambda: {k: {} for k in ("tag", "name", "alias", "type", "connected_by")}
    )

    def add(self, device: Device) -> None:
        for kind, keys in index_keys(device).items():
            self._file(kind, keys, device)

    def remove(self, device: Device) -> None:
        for kind, keys in index_keys(device).items():
            self._unfile(kind, keys, device)

    def refile(self, device: Device, before: dict[str, list[str]]) -> None:
        """After a change (`before` = index_keys then): only keys that changed move, so renaming one
        device leaves its type's bucket (every device of the type) alone instead of re-sorting it."""
        for kind, keys in index_keys(device).items():
            old = before[kind]
            if keys != old:
                self._unfile(kind, [k for k in old if k not in keys], device)
                self._file(kind, [k for k in keys if k not in old], device)

    def _file(self, kind: str, keys: list[str], device: Device) -> None:
        table = self.buckets[kind]
        for key in keys:
            bucket = table.setdefault(key, {})
            if bucket and next(reversed(bucket.values())).seq > device.seq:
                bucket[device.id] = device  # an older device joined: restore creation order
                table[key] = dict(sorted(bucket.items(), key=lambda item: item[1].seq))
            else:
                bucket[device.id] = device

    def _unfile(self, kind: str, keys: list[str], device: Device) -> None:
        table = self.buckets[kind]
        for key in keys:
            bucket = table.get(key)
            if bucket is not None:
                bucket.pop(device.id, None)
                if not bucket:
                    del table[key]

    def lookup(self, kind: str, patterns: Iterable[str]) -> list[Bucket]:
        """Buckets whose key matches one of the lower-cased patterns."""
        table = self.buckets[kind]
        found: list[Bucket] = []
        for pattern in patterns:
            if "*" in pattern:
                regex = wildcard(pattern, False)
                found.extend(bucket for key, bucket in table.items() if regex.match(key))
            elif pattern in table:
                found.append(table[pattern])
        return found


class NewestFirst(Sequence["Device"]):
    """A creation-ordered bucket read newest first; slicing walks only as far as the slice."""

    def __init__(self, bucket: Bucket) -> None:
        self._bucket = bucket

    def __len__(self) -> int:
        return len(self._bucket)

    def __iter__(self) -> Iterator[Device]:
        return reversed(self._bucket.values())

    @overload
    def __getitem__(self, index: int) -> Device: ...

    @overload
    def __getitem__(self, index: slice) -> list[Device]: ...

    def __getitem__(self, index: int | slice) -> Device | list[Device]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self._bucket))
            if step != 1:
                return list(self)[index]
            return list(islice(reversed(self._bucket.values()), start, max(start, stop)))
        if index < 0:
            index += len(self._bucket)
        if not 0 <= index < len(self._bucket):
            raise IndexError(index)
        return next(islice(reversed(self._bucket.values()), index, None))


#: API filter key -> DeviceFilter field (the query form has all but deviceTypeName)
API_FIELDS = {
    "deviceId": "device_ids",
    "deviceTag": "tags",
    "deviceTypeId": "type_ids",
    "deviceTypeName": "type_names",
    "deviceTypeCategory": "type_categories",
    "deviceConnectedBy": "connected_by",
    "deviceName": "names",
    "deviceAlias": "aliases",
}
BODY_KEYS = tuple(API_FIELDS)


@dataclass(frozen=True)
class DeviceFilter:
    """A DF: AND across the fields given, OR within one; an empty field does not filter.

    Names, tags and aliases may hold `*` wildcards; they, and the ids, match ignoring case.
    """

    device_ids: Sequence[str] = ()
    tags: Sequence[str] = ()
    type_ids: Sequence[str] = ()
    type_names: Sequence[str] = ()
    type_categories: Sequence[str] = ()
    connected_by: Sequence[str] = ()
    names: Sequence[str] = ()
    aliases: Sequence[str] = ()

    def __post_init__(self) -> None:
        """Tuples (a lone string is one value), lower-cased but for categories: names, tags and
        aliases ignore case, and ids are UUIDs, whose hex digits ignore case too."""
        for name in API_FIELDS.values():
            given = getattr(self, name)
            if given == ():  # most fields of most filters: nothing to normalise (a request pays for this)
                continue
            values = strings(given)
            object.__setattr__(self, name, values if name == "type_categories" else tuple(v.lower() for v in values))

    @classmethod
    def from_api(cls, raw: Mapping[str, Any] | None) -> DeviceFilter:
        """The body form, or the query form (the same keys but deviceTypeName)."""
        raw = raw or {}
        return cls(**{name: strings(values) for key, name in API_FIELDS.items() if (values := raw.get(key))})

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in API_FIELDS.values())

    def type_ids_allowed(self, types: Iterable[DeviceType]) -> set[str] | None:
        """Ids of the types the type-level criteria allow (None: no type-level criterion)."""
        ids, names, categories = self.type_ids, self.type_names, self.type_categories
        if not (ids or names or categories):
            return None
        return {
            t.id
            for t in types
            if (not ids or t.id in ids)
            and (not names or matches(t.name.lower(), names))
            and (not categories or not set(categories).isdisjoint(t.categories or ()))
        }

    def select(self, devices: Bucket, index: TenantIndex, types: Iterable[DeviceType]) -> Sequence[Device]:
        """The matching devices of one tenant, newest first, answered from the index."""
        if not self:
            return NewestFirst(devices)
        groups: list[list[Bucket]] = []
        if self.device_ids:
            groups.append([{i: devices[i]} for i in dict.fromkeys(self.device_ids) if i in devices])
        allowed_types = self.type_ids_allowed(types)
        if allowed_types is not None:
            groups.append(index.lookup("type", sorted(allowed_types)))
        for patterns, kind in (
            (self.connected_by, "connected_by"),
            (self.names, "name"),
            (self.tags, "tag"),
            (self.aliases, "alias"),
        ):
            if patterns:
                groups.append(index.lookup(kind, patterns))
        if any(not g for g in groups):
            return []
        if len(groups) == 1 and len(groups[0]) == 1:
            return NewestFirst(groups[0][0])
        groups.sort(key=lambda g: sum(map(len, g)))
        found: Bucket = {}
        for bucket in groups[0]:
            found.update(bucket)
        for group in groups[1:]:
            found = {i: d for i, d in found.items() if any(i in bucket for bucket in group)}
        return sorted(found.values(), key=lambda d: d.seq, reverse=True)
