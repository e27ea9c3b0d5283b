"""One ASGI endpoint for every contract operation: route, authenticate, validate, call, journal.

Endpoints are found by name: the operationId in snake_case, defined in any
`simulator.services.*.endpoints` or `simulator.identity.endpoints` module.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

import simulator.identity
import simulator.services
from contracts import spec
from contracts.routing import OperationRouter, RouteMiss
from contracts.validation import OperationContract, Problem
from simulator.api.auth import CHALLENGE, bearer_token, principal_for, require
from simulator.api.call import Call, Principal
from simulator.api.errors import error_response, oauth_error_response
from simulator.api.not_simulated import NOT_SIMULATED
from simulator.core.clock import iso
from simulator.core.errors import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    NotSimulated,
    OAuthError,
    PayloadTooLarge,
    SimError,
    Unauthorized,
    UnsupportedMediaType,
)
from simulator.core.events import ResourceChanged

if TYPE_CHECKING:
    from simulator.runtime import Simulator

Endpoint = Callable[[Call], Awaitable[Response]]
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


_CREATED_ID = re.compile(rb'\{"data":\{"id":"([^"\\]+)"')


class JournalEntry(NamedTuple):
    """One request as the journal keeps it: cheap to record, formatted only when read."""

    time: float
    method: str
    path: str
    query: str
    operation_id: str | None
    status: int
    client_id: str | None
    problems: tuple[Problem, ...]
    protocol_violations: tuple[dict[str, str], ...]
    harness: bool = False  #: sent by the conformance harness (spec.HARNESS_HEADER), not by a client

    def to_api(self) -> dict[str, Any]:
        return {
            "time": iso(datetime.fromtimestamp(self.time, UTC)),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "operationId": self.operation_id,
            "status": self.status,
            "clientId": self.client_id,
            "violations": [p.to_api() for p in self.problems] + list(self.protocol_violations),
            "harness": self.harness,
        }


def _reject_constant(name: str) -> None:
    """NaN and Infinity are not JSON: refuse them instead of echoing invalid JSON later."""
    raise ValueError(f"{name} is not valid JSON")


def query_string(request: Request) -> str:
    """The raw query string, straight from the ASGI scope (`request.url` parses the whole URL)."""
    return str(request.scope.get("query_string", b"").decode("utf-8", "replace"))


def created_id(body: bytes) -> str | None:
    """The id of a created resource, from its `{"data": {"id": ...}}` envelope."""
    found = _CREATED_ID.match(body)  # our compact envelopes put it first: no need to parse the whole body
    if found:
        return found.group(1).decode()
    try:
        data = json.loads(body).get("data")
    except (ValueError, AttributeError):
        return None
    return str(data["id"]) if isinstance(data, dict) and "id" in data else None


def discover_endpoints() -> dict[str, Endpoint]:
    """Every `async def` in the endpoints modules, by name."""
    found: dict[str, Endpoint] = {}
    for package in (simulator.services, simulator.identity):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.endswith(".endpoints"):
                continue
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if callable(value) and getattr(value, "__module__", None) == module.__name__:
                    if name in found:
                        raise RuntimeError(f"endpoint {name} is defined twice")
                    found[name] = value
    return found


@dataclass
class Route:
    operation: spec.Operation
    contract: OperationContract
    endpoint: Endpoint | None  # None: not simulated yet

    @property
    def is_oauth(self) -> bool:
        return self.operation.tag == "authentication"

    @cached_property
    def secured(self) -> bool:
        return self.operation.requires_auth  # computed from the document: once, not per request


def build_routes() -> dict[str, Route]:
    endpoints = discover_endpoints()
    routes: dict[str, Route] = {}
    missing = []
    for op in spec.operations():
        contract = OperationContract.build(op)
        endpoint = endpoints.get(snake(op.operation_id))
        if op.operation_id not in NOT_SIMULATED and endpoint is None:
            missing.append(op.operation_id)
        routes[op.operation_id] = Route(op, contract, None if op.operation_id in NOT_SIMULATED else endpoint)
    if missing:
        raise RuntimeError(f"operations without an endpoint (and not listed as not simulated): {missing}")
    return routes


class Dispatcher:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.routes = build_routes()
        self.router = OperationRouter([r.operation for r in self.routes.values()])

    async def handle(self, request: Request) -> Response:
        problems: list[Problem] = []
        operation_id: str | None = None
        principal: Principal | None = None
        allow: dict[str, str] | None = None  # the Allow header of a 405 (RFC 9110 15.5.6)
        try:
            try:
                op, path_params = self.router.match(request.method, request.scope["path"])
            except RouteMiss as miss:
                if miss.allowed:
                    allow = {"Allow": ", ".join(sorted(miss.allowed))}
                    raise MethodNotAllowed(
                        f"Method {request.method} is not allowed here; use {', '.join(sorted(miss.allowed))}"
                    ) from None
                raise NotFound(f"No operation at {request.method} {request.scope['path']}") from None
            route = self.routes[op.operation_id]  # type: ignore[attr-defined]
            operation_id = route.operation.operation_id
            if route.endpoint is None:
                raise NotSimulated(f"{operation_id} is not simulated yet")
            call = await self._call(route, request, path_params, problems)
            principal = call.principal
            response = await route.endpoint(call)
            if response.status_code < 300 and request.method in MUTATING:
                self._announce_change(call, response)
        except SimError as error:
            headers = CHALLENGE if isinstance(error, Unauthorized) else allow
            if error.details:
                problems.extend(Problem(d["path"], d["message"]) for d in error.details)
            response = error_response(error, headers)
        except OAuthError as error:
            response = oauth_error_response(error)
        self._journal(request, operation_id, principal, response.status_code, problems)
        return response

    async def _call(self, route: Route, request: Request, path_params: dict[str, str], problems: list[Problem]) -> Call:
        headers = {k.lower(): v for k, v in request.headers.items()}
        principal = None
        if route.secured:
            try:
                principal = principal_for(self.sim, bearer_token(headers.get("authorization")))
            except Unauthorized as error:
                if route.is_oauth:
                    raise OAuthError("invalid_token", error.message, 401) from None
                raise
            require(principal, route.operation.permissions)
        path, query, header_values, found = route.contract.parse_parameters(path_params, query_string(request), headers)
        problems.extend(found)
        body = await self._body(route, request, headers, problems)
        if problems:
            if route.is_oauth:
                raise OAuthError("invalid_request", "; ".join(f"{p.path}: {p.message}" for p in problems))
            raise BadRequest("The request does not match the API contract", details=[p.to_api() for p in problems])
        return Call(self.sim, route.operation.operation_id, request, principal, path, query, header_values, body)

    async def _body(self, route: Route, request: Request, headers: dict[str, str], problems: list[Problem]) -> Any:
        contract = route.contract
        limit = self.sim.settings.max_body_bytes
        media_types = contract.body_media_types
        if "application/octet-stream" in media_types:
            limit = self.sim.settings.max_blob_bytes
        declared = int(headers.get("content-length") or 0)
        if declared > limit:
            raise PayloadTooLarge(f"Request body exceeds {limit} bytes")
        raw = await request.body()
        if len(raw) > limit:
            raise PayloadTooLarge(f"Request body exceeds {limit} bytes")
        if not media_types:
            return None
        if not raw:
            if contract.body_required:
                problems.append(Problem("body", "A request body is required"))
            return None
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if not media and request.method == "GET":
            media = "application/json"
        if media not in media_types:
            raise UnsupportedMediaType(
                f"Content type {media or '(none)'!r} is not accepted; use {', '.join(media_types)}"
            )
        if media == "application/octet-stream":
            return raw
        if media == "application/x-www-form-urlencoded":
            value: Any = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        else:
            try:
                value = json.loads(raw, parse_constant=_reject_constant)
            except (ValueError, UnicodeDecodeError) as exc:
                if route.is_oauth:
                    raise OAuthError("invalid_request", f"Malformed body: {exc}") from None
                raise BadRequest(f"Malformed JSON body: {exc}") from None
        problems.extend(contract.body_problems(media, value))
        return value

    def _announce_change(self, call: Call, response: Response) -> None:
        """Every successful mutating call by a tenant-bound caller feeds the audit log via the bus."""
        principal = call.principal
        if principal is None or principal.tenant_id is None:
            return
        resource_id = next(reversed(call.path.values()), None) if call.path else None
        if response.status_code == 201:
            resource_id = created_id(bytes(response.body)) or resource_id
        self.sim.bus.publish(
            ResourceChanged(
                tenant_id=principal.tenant_id,
                actor_id=principal.subject,
                actor_email=principal.email,
                action=call.operation_id,
                resource_type=self.routes[call.operation_id].operation.tag or "",
                resource_id=str(resource_id) if resource_id is not None else None,
            )
        )

    @staticmethod
    def _protocol_violation(operation_id: str | None, status: int, problems: list[Problem]) -> list[dict[str, str]]:
        """Client mistakes that are not schema problems: unknown route, method, size, media type, auth."""
        if problems or not (operation_id is None or status in (401, 405, 413, 415)):
            return []
        return [{"path": "request", "message": f"the request was refused with {status}"}]

    def _journal(
        self,
        request: Request,
        operation_id: str | None,
        principal: Principal | None,
        status: int,
        problems: list[Problem],
    ) -> None:
        violations = self._protocol_violation(operation_id, status, problems)
        self.sim.request_journal.append(
            JournalEntry(
                self.sim.clock.time(),
                request.method,
                request.scope["path"],
                query_string(request),
                operation_id,
                status,
                principal.client_id if principal else None,
                tuple(problems),
                tuple(violations),
                spec.HARNESS_HEADER in request.headers,
            )
        )
