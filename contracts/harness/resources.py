"""What the contract says about resources: which operation creates what, where it is read and deleted.

Everything comes from the contract's OpenAPI links (`$response.body#/...`, `$request.path.x`), so a
new resource in the contract is handled without touching the harness.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts import spec
from contracts.routing import OperationRouter, RouteMiss
from contracts.validation import follow

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Link:
    """One OpenAPI link of a success response: target operation and parameter expressions."""

    operation_id: str
    parameters: Mapping[str, str]


@dataclass(frozen=True)
class Resource:
    """A resource some operation creates and the contract lets a client delete again."""

    create: str  #: operationId of the create
    delete: Link  #: link to the DELETE operation of the created resource
    read: str | None  #: GET operationId at the same path as the delete, if any
    kind: str  #: name of the id, e.g. ``deviceTypeId`` (used to reuse created ids in other bodies)


@dataclass(frozen=True)
class Request:
    """What a link expression can refer to."""

    path_params: Mapping[str, str]
    body: Any
    headers: Mapping[str, str]


def evaluate(expression: str, request: Request, response_body: Any, response_headers: Mapping[str, str]) -> Any:
    """Evaluate an OpenAPI runtime expression (the forms the contract uses); None when it cannot."""
    try:
        if expression.startswith("$response.body#"):
            return spec.lookup(response_body, expression[len("$response.body#") :])
        if expression.startswith("$request.body#"):
            return spec.lookup(request.body, expression[len("$request.body#") :])
        if expression.startswith("$request.path."):
            return request.path_params.get(expression[len("$request.path.") :])
        if expression.startswith("$response.header."):
            wanted = expression[len("$response.header.") :].lower()
            return next((v for k, v in response_headers.items() if k.lower() == wanted), None)
    except (KeyError, TypeError, ValueError):
        return None
    return None if expression.startswith("$") else expression


def fill(template: str, params: Mapping[str, Any]) -> str | None:
    """Put parameter values into a path template; None when one is missing."""
    missing = [name for name in _PLACEHOLDER.findall(template) if params.get(name) in (None, "")]
    if missing:
        return None
    return _PLACEHOLDER.sub(lambda m: str(params[m.group(1)]), template)


def _links(operation: spec.Operation) -> list[Link]:
    found = []
    for code, response in operation.raw.get("responses", {}).items():
        if not str(code).startswith("2"):
            continue
        for link in (follow(response).get("links") or {}).values():
            if "operationId" in link:
                found.append(Link(link["operationId"], dict(link.get("parameters") or {})))
    return found


def _plain(operation: spec.Operation) -> bool:
    """Whether the operation needs nothing but its path (so cleanup can call it from a URL alone)."""
    body = follow(operation.raw.get("requestBody") or {})
    needed = [p for p in operation.parameters if p.get("required") and p["in"] != "path"]
    return not needed and not body.get("required")


def _kind(create: spec.Operation, delete: Link, delete_op: spec.Operation) -> str:
    """The name of the created id: the delete parameter filled from the response body."""
    for name, expression in delete.parameters.items():
        if expression.startswith("$response.body#"):
            if name != "id":
                return name
            collection = [s for s in delete_op.path.split("/") if s and not s.startswith("{")][-1]
            return collection.rstrip("s") + "Id"
    return create.operation_id


class ContractMap:
    """The contract's operations, routes and resources, built once."""

    def __init__(self) -> None:
        self.operations = {op.operation_id: op for op in spec.operations()}
        self.router = OperationRouter(list(self.operations.values()))
        self.links = {op_id: _links(op) for op_id, op in self.operations.items()}
        by_template = {(op.method, op.path): op.operation_id for op in self.operations.values()}
        self.resources: dict[str, Resource] = {}
        for op_id, op in self.operations.items():
            if op.method != "POST":
                continue
            for link in self.links[op_id]:
                target = self.operations.get(link.operation_id)
                if target is not None and target.method == "DELETE" and _plain(target):
                    read = by_template.get(("GET", target.path))
                    self.resources[op_id] = Resource(op_id, link, read, _kind(op, link, target))
                    break

    def match(self, method: str, full_path: str) -> tuple[spec.Operation, dict[str, str]] | None:
        """The operation a request path (with the /v1 prefix) belongs to, and its path parameters."""
        try:
            op, params = self.router.match(method, full_path)
        except RouteMiss:
            return None
        return self.operations[op.operation_id], params  # type: ignore[attr-defined]

    def read_at(self, full_path: str) -> str | None:
        """The GET operation serving the same path as a request, if the contract has one."""
        found = self.match("GET", full_path)
        return found[0].operation_id if found else None

    def link_params(self, link: Link, request: Request, body: Any, headers: Mapping[str, str]) -> dict[str, Any]:
        return {name: evaluate(expr, request, body, headers) for name, expr in link.parameters.items()}

    def resource_path(self, resource: Resource, request: Request, body: Any, headers: Mapping[str, str]) -> str | None:
        """The concrete path (with /v1) of a resource a create just made."""
        params = self.link_params(resource.delete, request, body, headers)
        filled = fill(self.operations[resource.delete.operation_id].path, params)
        return spec.API_PREFIX + filled if filled else None

    def created_ids(self, operation_id: str, request: Request, body: Any, headers: Mapping[str, str]) -> set[str]:
        """Ids a successful POST handed out: `data.id` and whatever its links take from the body."""
        ids = set()
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            ids.add(data["id"])
        for link in self.links.get(operation_id, []):
            for expression in link.parameters.values():
                if expression.startswith("$response.body#"):
                    value = evaluate(expression, request, body, headers)
                    if isinstance(value, str):
                        ids.add(value)
        return ids


@functools.cache
def contract_map() -> ContractMap:
    return ContractMap()
