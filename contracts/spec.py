"""Load, navigate and validate against the OLT contract documents.

Both documents ship as package data of ``contracts`` and are read with
:mod:`importlib.resources`, so this works from a source tree, a wheel or a zip:

* :func:`openapi` / :func:`asyncapi` return the parsed YAML (cached; treat as read-only).
* :func:`operations` / :func:`operation` describe the 125 REST operations.
* Validation: :func:`validator` builds a Draft 2020-12 validator for the schema found at a JSON
  pointer inside a document (e.g. ``Operation.request_schema_pointer()``); :func:`schema_validator`
  does the same for a schema dict whose local ``$ref`` s point into a document. ``$ref`` s are
  resolved lazily through a :class:`referencing.Registry` (:func:`registry`) holding both documents
  under :data:`OPENAPI_URI` / :data:`ASYNCAPI_URI`, so recursive schemas are safe and no copy of the
  document is made. This is the recommended way to validate.
* :func:`resolve` / :func:`resolved_openapi` inline local ``$ref`` s for callers that need plain
  dicts (e.g. to generate data); a ``$ref`` that would recurse into itself is left in place.

Nothing here imports from ``simulator``.
"""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import re
import uuid as _uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, Literal
from urllib.parse import unquote

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "API_PREFIX",
    "ASYNCAPI_URI",
    "HTTP_METHODS",
    "OPENAPI_URI",
    "Operation",
    "asyncapi",
    "document",
    "fast_validator",
    "format_checker",
    "lookup",
    "openapi",
    "operation",
    "operations",
    "pointer",
    "registry",
    "resolve",
    "resolved_openapi",
    "schema_validator",
    "validator",
]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
OPENAPI_FILE = "olt-openapi.yaml"
ASYNCAPI_FILE = "olt-asyncapi.yaml"
#: Base URIs of the two documents inside :func:`registry`.
OPENAPI_URI = "urn:olt:openapi"
ASYNCAPI_URI = "urn:olt:asyncapi"
#: Every OpenAPI path is relative to this server prefix.
API_PREFIX = "/v1"
#: The header the conformance harness sends with each of its requests, so that the simulator's
#: request journal can tell them from a client's (`olt-sim contract --client-report` skips them).
HARNESS_HEADER = "X-OLT-Harness"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

DocumentName = Literal["openapi", "asyncapi"]
_FILES: dict[DocumentName, str] = {"openapi": OPENAPI_FILE, "asyncapi": ASYNCAPI_FILE}
_URIS: dict[DocumentName, str] = {"openapi": OPENAPI_URI, "asyncapi": ASYNCAPI_URI}


# --------------------------------------------------------------------------- loading


@functools.cache
def _load(filename: str) -> dict[str, Any]:
    text = files("contracts").joinpath(filename).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=_LOADER)  # libyaml when present: ~20x faster on this document
    if not isinstance(data, dict):
        raise ValueError(f"contracts/{filename} is not a YAML mapping")
    return data


def openapi() -> dict[str, Any]:
    """Return the raw OpenAPI 3.1 document (cached, do not mutate)."""
    return _load(OPENAPI_FILE)


def asyncapi() -> dict[str, Any]:
    """Return the raw AsyncAPI 3.0 document (cached, do not mutate)."""
    return _load(ASYNCAPI_FILE)


def document(name: DocumentName) -> dict[str, Any]:
    """Return the raw document called ``name`` (``"openapi"`` or ``"asyncapi"``)."""
    try:
        return _load(_FILES[name])
    except KeyError:
        raise ValueError(f"unknown document {name!r}") from None


# --------------------------------------------------------------------------- pointers and $refs


def pointer(*tokens: str | int) -> str:
    """Build a JSON pointer, e.g. ``pointer("paths", "/devices", "post") == "/paths/~1devices/post"``."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def lookup(doc: Mapping[str, Any], ref: str) -> Any:
    """Return the node at a local ``$ref`` (``#/a/b``) or JSON pointer (``/a/b``) inside ``doc``."""
    fragment = ref[1:] if ref.startswith("#") else ref
    if fragment and not fragment.startswith("/"):
        raise ValueError(f"not a local JSON pointer: {ref!r}")
    node: Any = doc
    for raw in fragment.split("/")[1:]:
        token = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping):
            if token not in node:
                raise KeyError(f"{ref!r}: no {token!r}")
            node = node[token]
        elif isinstance(node, list):
            try:
                node = node[int(token)]
            except (ValueError, IndexError):
                raise KeyError(f"{ref!r}: bad index {token!r}") from None
        else:
            raise KeyError(f"{ref!r}: cannot descend into {type(node).__name__}")
    return node


def resolve(doc: Mapping[str, Any], node: Any) -> Any:
    """Return a copy of ``node`` with every local ``$ref`` into ``doc`` inlined.

    Keys next to a ``$ref`` (e.g. ``description``) are laid over the referenced object. A ``$ref``
    met again while it is being inlined (a recursive schema) is kept as ``{"$ref": ...}``;
    resolve it against ``doc`` (or use :func:`validator`) if needed.
    """

    def walk(item: Any, active: frozenset[str]) -> Any:
        if isinstance(item, Mapping):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                siblings = {k: walk(v, active) for k, v in item.items() if k != "$ref"}
                if ref in active:
                    return {"$ref": ref, **siblings}
                target = walk(lookup(doc, ref), active | {ref})
                if isinstance(target, dict) and siblings:
                    return {**target, **siblings}
                return target
            return {k: walk(v, active) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v, active) for v in item]
        return item

    return walk(node, frozenset())


@functools.cache
def resolved_openapi() -> dict[str, Any]:
    """Return the OpenAPI document with local ``$ref`` s inlined (cached, do not mutate)."""
    result = resolve(openapi(), openapi())
    assert isinstance(result, dict)
    return result


# --------------------------------------------------------------------------- validation


_DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_date_time(value: object) -> bool:
    """RFC 3339 ``date-time`` check using only the standard library."""
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.match(value)
    if not match:
        return False
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    offset = match.group(8)
    try:
        _dt.datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return False
    if second > 60:  # 60 = leap second
        return False
    if offset.upper() != "Z":
        off_h, off_m = int(offset[1:3]), int(offset[4:6])
        if off_h > 23 or off_m > 59:
            return False
    return True


def _is_uuid(value: object) -> bool:
    """RFC 4122 ``uuid`` check (hyphenated form) using only the standard library."""
    if not isinstance(value, str):
        return True
    try:
        _uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36 and all(value[i] == "-" for i in (8, 13, 18, 23))


@functools.cache
def format_checker() -> FormatChecker:
    """Return jsonschema's format checker, with stdlib ``uuid`` / ``date-time`` checks if missing."""
    checker = FormatChecker()
    if "uuid" not in checker.checkers:
        checker.checks("uuid")(_is_uuid)
    if "date-time" not in checker.checkers:
        checker.checks("date-time")(_is_date_time)
    return checker


@functools.cache
def _retrieve(uri: str) -> Resource[Any]:
    for name, doc_uri in _URIS.items():
        if uri == doc_uri:
            return DRAFT202012.create_resource(document(name))
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@functools.cache
def registry() -> Registry[Any]:
    """Return a registry serving both documents under :data:`OPENAPI_URI` and :data:`ASYNCAPI_URI`.

    Documents are loaded on first use, so validating against one does not need the other.
    """
    return Registry(retrieve=_retrieve)  # type: ignore[call-arg]


@functools.cache
def _loaded_registry(doc: DocumentName) -> Registry[Any]:
    """:func:`registry` with ``doc`` already in it.

    A lazily retrieved resource is not kept by the (immutable) registry, so every validation
    against it would retrieve and crawl the whole document again (~0.3 ms per check).
    """
    loaded: Registry[Any] = registry().with_resource(_URIS[doc], _retrieve(_URIS[doc]))
    return loaded


@functools.cache
def validator(schema_pointer: str, doc: DocumentName = "openapi") -> Draft202012Validator:
    """Return a Draft 2020-12 validator (with format checking) for the schema at ``schema_pointer``.

    ``schema_pointer`` is a JSON pointer (``/components/schemas/Device``) or local ref
    (``#/components/schemas/Device``) into the document ``doc``.
    """
    fragment = schema_pointer[1:] if schema_pointer.startswith("#") else schema_pointer
    schema = lookup(document(doc), fragment)  # fails early on a wrong pointer
    return Draft202012Validator(
        _absolutize(schema, _URIS[doc]),  # the schema itself; the $refs in it resolve against the loaded document
        registry=_loaded_registry(doc),
        format_checker=format_checker(),
    )


@functools.cache
def _fast_registry(doc: DocumentName) -> Any:
    import jsonschema_rs

    return jsonschema_rs.Registry([(_URIS[doc], document(doc))])


@functools.cache
def fast_validator(schema_pointer: str, doc: DocumentName = "openapi") -> Any:
    """A compiled (Rust) validator for the schema at ``schema_pointer``, or ``None``.

    ~200x faster than :func:`validator` for valid instances, so callers use its ``is_valid`` as
    the fast path and :func:`validator` for the error details. ``None`` when the optional
    ``jsonschema-rs`` package is missing or cannot compile the schema.
    """
    try:
        import jsonschema_rs

        fragment = schema_pointer[1:] if schema_pointer.startswith("#") else schema_pointer
        schema = _absolutize(lookup(document(doc), fragment), _URIS[doc])
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=True, registry=_fast_registry(doc))
    except (ImportError, ValueError):  # not installed, or a schema it cannot compile: the Python validator decides
        return None


def _absolutize(node: Any, base: str) -> Any:
    if isinstance(node, Mapping):
        return {
            k: base + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _absolutize(v, base)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_absolutize(v, base) for v in node]
    return node


def schema_validator(schema: Mapping[str, Any], doc: DocumentName = "openapi") -> Draft202012Validator:
    """Return a validator for ``schema`` whose local ``$ref`` s point into the document ``doc``."""
    return Draft202012Validator(
        _absolutize(copy.deepcopy(dict(schema)), _URIS[doc]),
        registry=_loaded_registry(doc),
        format_checker=format_checker(),
    )


# --------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class Operation:
    """One REST operation of the OpenAPI document."""

    operation_id: str
    method: str  #: upper case, e.g. ``"GET"``
    path: str  #: as in the document, relative to ``/v1``
    full_path: str  #: ``"/v1" + path``
    tag: str | None
    permissions: tuple[str, ...]  #: ``x-olt-permissions``
    inferred: bool  #: ``x-olt-inferred`` on the operation
    blocks: tuple[int, ...]  #: ``x-olt-block`` (block numbers in the reference)
    pointer: str  #: JSON pointer of the operation object, e.g. ``/paths/~1devices/post``
    raw: Mapping[str, Any] = field(compare=False, repr=False)  #: the operation object as written

    @property
    def requires_auth(self) -> bool:
        """Whether a bearer token is required (``security: []`` switches it off)."""
        security = self.raw.get("security", openapi().get("security", []))
        return bool(security) and all(bool(req) for req in security)

    @property
    def success_status(self) -> int:
        """The lowest 1xx-3xx status among the responses."""
        codes = sorted(int(c) for c in self.raw.get("responses", {}) if str(c).isdigit() and int(c) < 400)
        if not codes:
            raise ValueError(f"{self.operation_id}: no success response")
        return codes[0]

    @property
    def parameters(self) -> tuple[dict[str, Any], ...]:
        """Path-level and operation-level parameters, resolved; operation-level ones win."""
        doc = openapi()
        path_item = doc["paths"][self.path]
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for param in [*path_item.get("parameters", []), *self.raw.get("parameters", [])]:
            resolved = resolve(doc, param)
            merged[(resolved["name"], resolved["in"])] = resolved
        return tuple(merged.values())

    def request_schema_pointer(self, media_type: str = "application/json") -> str | None:
        """JSON pointer of the request body schema for ``media_type`` (``None`` if there is none)."""
        body = self.raw.get("requestBody")
        if body is None:
            return None
        base = self.pointer + "/requestBody"
        if "$ref" in body:
            base = body["$ref"][1:]
            body = lookup(openapi(), base)
        if "schema" not in body.get("content", {}).get(media_type, {}):
            return None
        return base + pointer("content", media_type, "schema")

    def response_schema_pointer(self, status: int | str, media_type: str = "application/json") -> str | None:
        """JSON pointer of the response schema for ``status`` / ``media_type`` (``None`` if none)."""
        response = self.raw.get("responses", {}).get(str(status))
        if response is None:
            return None
        base = self.pointer + pointer("responses", str(status))
        while "$ref" in response:
            base = response["$ref"][1:]
            response = lookup(openapi(), base)
        if "schema" not in response.get("content", {}).get(media_type, {}):
            return None
        return base + pointer("content", media_type, "schema")


@functools.cache
def _operations() -> tuple[Operation, ...]:
    result: list[Operation] = []
    for path, item in openapi().get("paths", {}).items():
        for method, raw in item.items():
            if method not in HTTP_METHODS:
                continue
            tags = raw.get("tags") or [None]
            blocks = raw.get("x-olt-block", [])
            result.append(
                Operation(
                    operation_id=raw["operationId"],
                    method=method.upper(),
                    path=path,
                    full_path=API_PREFIX + path,
                    tag=tags[0],
                    permissions=tuple(raw.get("x-olt-permissions", [])),
                    inferred=bool(raw.get("x-olt-inferred", False)),
                    blocks=tuple(int(b) for b in (blocks if isinstance(blocks, list) else [blocks])),
                    pointer=pointer("paths", path, method),
                    raw=raw,
                )
            )
    return tuple(result)


def operations() -> list[Operation]:
    """Return every operation, in document order."""
    return list(_operations())


@functools.cache
def _by_id() -> dict[str, Operation]:
    return {op.operation_id: op for op in _operations()}


def operation(operation_id: str) -> Operation:
    """Return the operation with ``operation_id`` (``KeyError`` if unknown)."""
    try:
        return _by_id()[operation_id]
    except KeyError:
        raise KeyError(f"unknown operationId {operation_id!r}") from None
