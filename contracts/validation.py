"""Request parsing and response checking for one contract operation, compiled once.

Built once per operation (rebuilding a jsonschema validator per request costs ~3 ms), used by
the simulator to check requests and by tests and the harness to check responses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from contracts import spec


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def to_api(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def follow(node: Any) -> Any:
    """Follow a local `$ref` chain in the OpenAPI document to the node it names."""
    while isinstance(node, dict) and "$ref" in node:
        node = spec.lookup(spec.openapi(), node["$ref"])
    return node


def problems(schema_pointer: str, instance: Any, prefix: str) -> list[Problem]:
    fast = spec.fast_validator(schema_pointer)
    if fast is not None and fast.is_valid(instance):  # trusted: tests/contracts/test_fast_validators.py
        return []
    errors = sorted(spec.validator(schema_pointer).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [Problem(".".join([prefix, *(str(p) for p in e.absolute_path)]), e.message) for e in errors]


def coerce(text: str, kind: str) -> Any:
    """Query and path values arrive as text; turn them into the type the schema asks for."""
    if kind == "integer":
        return int(text)
    if kind == "number":
        number = float(text)
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if kind == "boolean":
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise ValueError(text)
        return lowered == "true"
    return text


def _main_type(schema: dict[str, Any]) -> str:
    types = schema.get("type", "string")
    types = [types] if isinstance(types, str) else types
    for preferred in ("array", "object"):
        if preferred in types:
            return preferred
    return next((t for t in types if t != "null"), "string")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema_pointer: str
    kind: str
    item_kind: str
    default: Any
    style: str
    explode: bool

    def raw_value(self, path_params: dict[str, str], query: list[tuple[str, str]], headers: dict[str, str]) -> Any:
        if self.location == "path":
            return path_params.get(self.name)
        if self.location == "header":
            return headers.get(self.name.lower())
        if self.kind == "object" and self.style == "deepObject":
            prefix = self.name + "["
            found = {k[len(prefix) : -1]: v for k, v in query if k.startswith(prefix) and k.endswith("]")}
            return found or None
        values = [v for k, v in query if k == self.name]
        return values or None

    def typed(self, raw: Any) -> Any:
        if self.kind == "object":
            if isinstance(raw, dict):
                return raw
            try:
                return json.loads(raw[-1] if isinstance(raw, list) else raw)
            except json.JSONDecodeError:
                raise ValueError(raw) from None
        texts = raw if isinstance(raw, list) else [raw]
        if self.kind == "array":
            # form style, explode false: `a,,b` is three items, the middle one empty, and `x=` is one
            # empty item, not an empty array (OpenAPI 3.1 "Style Examples"); the schema judges them
            parts = [p for t in texts for p in t.split(",")]
            return [coerce(p.strip(), self.item_kind) for p in parts]
        return coerce(texts[-1], self.kind)


@dataclass
class OperationContract:
    """The request and response rules of one operation."""

    operation: spec.Operation
    parameters: list[Parameter] = field(default_factory=list)

    @classmethod
    def build(cls, operation: spec.Operation) -> OperationContract:
        document = spec.openapi()
        path_item = document["paths"][operation.path]
        declared = [
            (spec.pointer("paths", operation.path, "parameters", i), p)
            for i, p in enumerate(path_item.get("parameters", []))
        ]
        declared += [
            (operation.pointer + spec.pointer("parameters", i), p)
            for i, p in enumerate(operation.raw.get("parameters", []))
        ]
        by_key: dict[tuple[str, str], Parameter] = {}
        for at, raw in declared:
            if "$ref" in raw:
                at = raw["$ref"].lstrip("#")
            param = follow(raw)
            schema = follow(param.get("schema", {}))
            style = param.get("style", "form" if param["in"] in ("query", "cookie") else "simple")
            by_key[(param["name"], param["in"])] = Parameter(
                name=param["name"],
                location=param["in"],
                required=bool(param.get("required", param["in"] == "path")),
                schema_pointer=at + "/schema",
                kind=_main_type(schema),
                item_kind=_main_type(follow(schema.get("items", {}))),
                default=schema.get("default"),
                style=style,
                explode=bool(param.get("explode", style == "form")),
            )
        return cls(operation, list(by_key.values()))

    @property
    def operation_id(self) -> str:
        return self.operation.operation_id

    @cached_property
    def body(self) -> dict[str, Any] | None:
        raw = self.operation.raw.get("requestBody")
        return follow(raw) if raw else None

    @property
    def body_required(self) -> bool:
        return bool(self.body and self.body.get("required"))

    @cached_property
    def body_media_types(self) -> list[str]:
        return list((self.body or {}).get("content", {}))

    def parse_parameters(
        self, path_params: dict[str, str], query_string: str, headers: dict[str, str]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[Problem]]:
        """Typed path, query and header values plus every problem found in them."""
        query = parse_qsl(query_string, keep_blank_values=True)
        out: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
        found: list[Problem] = []
        for param in self.parameters:
            raw = param.raw_value(path_params, query, headers)
            where = f"{param.location}.{param.name}"
            if raw is None:
                if param.required:
                    found.append(Problem(where, f"'{param.name}' is a required {param.location} parameter"))
                elif param.default is not None:
                    out[param.location][param.name] = param.default
                continue
            try:
                value = param.typed(raw)
            except ValueError:
                found.append(Problem(where, f"{raw!r} is not a valid {param.kind}"))
                continue
            wrong = problems(param.schema_pointer, value, where)
            found.extend(wrong)
            if not wrong:
                out[param.location][param.name] = value
        return out["path"], out["query"], out["header"], found

    def body_problems(self, media_type: str, value: Any) -> list[Problem]:
        at = self._body_pointers.get(media_type, "")
        if at == "":
            at = self._body_pointers[media_type] = self.operation.request_schema_pointer(media_type)
        return problems(at, value, "body") if at else []

    @cached_property
    def _body_pointers(self) -> dict[str, str | None]:
        return {}

    def check_response(self, status: int, content_type: str | None, body: bytes) -> list[str]:
        """Why a response does not conform to the contract (empty list: it conforms)."""
        name = self.operation_id
        declared = self.operation.raw.get("responses", {})
        if str(status) not in declared:
            return [f"{name}: status {status} is not declared"]
        content = follow(declared[str(status)]).get("content") or {}
        if not content:
            return []
        media = (content_type or "").split(";")[0].strip()
        if media not in content:
            return [f"{name}: content type {media!r} is not declared for {status}"]
        at = self.operation.response_schema_pointer(status, media)
        if at is None or not media.endswith("json"):
            return []
        try:
            instance = json.loads(body)
        except ValueError:
            return [f"{name}: the {status} body is not JSON"]
        return [f"{name} {status}: {p.path}: {p.message}" for p in problems(at, instance, "body")]
