"""One ASGI endpoint for every contract operation: route, authenticate, validate, call, journal.

Endpoints declare their operation with `@operation("getDevice")` (api/operations.py) in any
`simulator.services.*.endpoints` or `simulator.identity.endpoints` module; the table is checked
against the contract when the app is built.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from contracts import spec
from contracts.routing import OperationRouter, RouteMiss
from contracts.validation import OperationContract, Problem
from simulator.api.atomic import atomic
from simulator.api.auth import CHALLENGE, bearer_token, principal_for, require
from simulator.api.call import Call, Principal
from simulator.api.errors import error_response, oauth_error_response
from simulator.api.not_simulated import NOT_SIMULATED
from simulator.api.operations import Endpoint, collect_endpoints, endpoint_modules
from simulator.core.actors import Actor, acting_as
from simulator.core.clean_input import refuse_unclean
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
from simulator.faults import FaultRule, fault_mark
from simulator.faults.http import http_fault, respond
from simulator.vary.http import vary_response

if TYPE_CHECKING:
    from simulator.runtime import Simulator


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
    fault: dict[str, str] | None = None  # the fault rule that changed the answer, if any
    variation: tuple[str, ...] = ()  # what variation mode changed in the response (docs/vary.md)
    seq: int = 0  # increases for the life of the process: a reader asks for what came after
    duration_ms: float = 0.0
    caller: str | None = None  # the user's e-mail, else the client id
    request_body: bytes = b""  # both bodies cut at JOURNAL_BODY_BYTES
    response_body: bytes = b""
    harness: bool = False  #: sent by the conformance harness (spec.HARNESS_HEADER), not by a client

    def to_api(self, bodies: bool = False) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.seq,
            "time": iso(datetime.fromtimestamp(self.time, UTC)),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "operationId": self.operation_id,
            "status": self.status,
            "clientId": self.client_id,
            "caller": self.caller,
            "durationMs": round(self.duration_ms, 3),
            "violations": [p.to_api() for p in self.problems] + list(self.protocol_violations),
            "variation": list(self.variation),
            "harness": self.harness,
        }
        if self.fault is not None:
            entry["fault"] = self.fault
        if bodies:
            entry["requestBody"] = _body_text(self.request_body)
            entry["responseBody"] = _body_text(self.response_body)
        return entry


#: How much of each request and response body the journal keeps (the journal is bounded in entries too).
JOURNAL_BODY_BYTES = 8 * 1024


def _body_text(body: bytes) -> str:
    text = body[:JOURNAL_BODY_BYTES].decode("utf-8", "replace")
    return text + "\n[... cut]" if len(body) > JOURNAL_BODY_BYTES else text


def _reject_constant(name: str) -> None:
    """NaN and Infinity are not JSON: refuse them instead of echoing invalid JSON later."""
    raise ValueError(f"{name} is not valid JSON")


def query_string(request: Request) -> str:
    """The raw query string, straight from the ASGI scope (`request.url` parses the whole URL)."""
    return str(request.scope.get("query_string", b"").decode("utf-8", "replace"))


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
    operations = spec.operations()
    endpoints = collect_endpoints(endpoint_modules(), {op.operation_id for op in operations}, NOT_SIMULATED)
    routes: dict[str, Route] = {}
    for op in operations:
        endpoint = None if op.operation_id in NOT_SIMULATED else endpoints.get(op.operation_id)
        routes[op.operation_id] = Route(op, OperationContract.build(op), endpoint)
    return routes


class Dispatcher:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.routes = build_routes()
        self.router = OperationRouter([r.operation for r in self.routes.values()])

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()  # wall time on purpose: how long the simulator took, not simulated time
        problems: list[Problem] = []
        operation_id: str | None = None
        principal: Principal | None = None
        injected: FaultRule | None = None
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
            injected = http_fault(call)
            endpoint = atomic(route.endpoint, request.method)  # all or nothing (api/atomic.py)
            if principal is None:
                response = await (respond(injected, call, endpoint) if injected else endpoint(call))
            else:
                with acting_as(Actor.caller(principal.subject, principal.email, principal.tenant_id)):
                    response = await (respond(injected, call, endpoint) if injected else endpoint(call))
        except SimError as error:
            headers = CHALLENGE if isinstance(error, Unauthorized) else allow
            if error.details and not problems:  # the contract's own problems are in `problems` already
                problems.extend(Problem(d["path"], d["message"]) for d in error.details)
            response = error_response(error, headers)
        except OAuthError as error:
            response = oauth_error_response(error)
        variation: tuple[str, ...] = ()
        if self.sim.vary is not None and injected is None:  # a fault's answer is not the state's: left as injected
            variation = await vary_response(self.sim.vary, operation_id, request, response)
        self._journal(request, operation_id, principal, response, problems, started, injected, variation)
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
            request.state.principal = principal  # the journal names the caller even when the request fails
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
            except (ValueError, UnicodeDecodeError, RecursionError) as exc:
                if route.is_oauth:
                    raise OAuthError("invalid_request", f"Malformed body: {exc}") from None
                raise BadRequest(f"Malformed JSON body: {exc}") from None
            refuse_unclean(value)
        problems.extend(contract.body_problems(media, value))
        return value

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
        response: Response,
        problems: list[Problem],
        started: float,
        injected: FaultRule | None = None,
        variation: tuple[str, ...] = (),
    ) -> None:
        status = response.status_code
        principal = principal or request.scope.get("state", {}).get("principal")  # set by `_call`, via request.state
        violations = self._protocol_violation(operation_id, status, problems)
        # Only a body the dispatcher already read (Starlette caches it): an unread one is never pulled in here.
        request_body: bytes = getattr(request, "_body", b"")
        response_body: bytes = getattr(response, "body", b"") or b""
        request.scope.setdefault("state", {})["olt_violations"] = len(problems) + len(violations)  # request_log.py
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
                fault_mark(injected) if injected else None,
                variation,
                next(self.sim.request_seq),
                (time.perf_counter() - started) * 1000,
                (principal.email or principal.client_id) if principal else None,
                bytes(request_body[: JOURNAL_BODY_BYTES + 1]),
                bytes(response_body[: JOURNAL_BODY_BYTES + 1]),
                spec.HARNESS_HEADER in request.headers,
            )
        )
