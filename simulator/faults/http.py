"""HTTP faults, applied by the dispatcher around the operation's endpoint (its one hook).

A fault answers before the endpoint runs (status, rateLimit, reset), after a wait (delay) or
spoils what the endpoint answered (truncate, reset = "after"). Every faulty answer carries the
`X-Olt-Sim-Fault: <rule id>` header, which the fixtures' contract check honours.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import httpx
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from simulator.api.auth import CHALLENGE
from simulator.api.call import Call
from simulator.api.responses import json_response
from simulator.core.errors import SimError
from simulator.faults.rules import DEFAULT_RETRY_AFTER, FaultRule
from simulator.faults.timing import wait
from simulator.scenario.units import parse_duration

FAULT_HEADER = "X-Olt-Sim-Fault"
Endpoint = Callable[[Call], Awaitable[Response]]
ERROR_CODES = {429: "TOO_MANY_REQUESTS", 503: "SERVICE_UNAVAILABLE", 502: "BAD_GATEWAY", 504: "GATEWAY_TIMEOUT"}


def http_fault(call: Call) -> FaultRule | None:
    """The rule that fires for this (routed, authenticated, valid) call, if any."""
    if not call.sim.faults.rules:  # the common case costs one check
        return None
    principal = call.principal
    facts: dict[str, Any] = {
        "operationId": call.operation_id,
        "method": call.request.method,
        "path": call.request.scope["path"],
        "tenant": principal.tenant_id if principal else None,
        "user": principal.user_id if principal else None,
        "email": principal.email if principal else None,
        "client": principal.client_id if principal else None,
    }
    return call.sim.faults.pick("http", facts)


async def respond(rule: FaultRule, call: Call, endpoint: Endpoint) -> Response:
    """What the client gets instead of (or from) the endpoint."""
    effect, kind = rule.effect, rule.kind
    if kind == "delay":
        await wait(call.sim, parse_duration(effect["delay"]), effect.get("clock", "simulated"))
        response = await endpoint(call)
    elif kind == "status":
        response = status_response(rule, int(effect["status"]), effect.get("retryAfter"))
    elif kind == "rateLimit":
        response = status_response(rule, 429, rule.state.get("retryAfter", DEFAULT_RETRY_AFTER))
    elif kind == "truncate":
        response = truncated(await endpoint(call), effect["truncate"])
    else:  # reset
        status = 0
        if effect["reset"] == "after":
            with contextlib.suppress(SimError):  # processed, then the connection drops: the answer is lost
                status = (await endpoint(call)).status_code
        response = ConnectionReset(rule.id, status)
    response.headers[FAULT_HEADER] = rule.id
    return response


def status_response(rule: FaultRule, status: int, retry_after: float | None) -> Response:
    """An OLT-shaped error; 429 and 503 say when to come back (Retry-After, whole seconds)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:  # e.g. 499: a valid status without a standard phrase
        phrase = "Error"
    code = ERROR_CODES.get(status) or phrase.upper().replace(" ", "_").replace("-", "_")
    message = rule.effect.get("message") or f"{phrase} (fault injected by the simulator, rule {rule.id})"
    headers = dict(CHALLENGE) if status == 401 else {}
    if retry_after is None and status in (429, 503):
        retry_after = DEFAULT_RETRY_AFTER
    if retry_after is not None:
        headers["Retry-After"] = str(max(0, round(retry_after)))
    return json_response({"errorMessage": message, "errorCode": code}, status, headers)


def truncated(response: Response, keep: int | bool) -> Response:
    """The same answer with its body cut (Content-Length matches what is sent: the JSON is broken)."""
    body = bytes(response.body)
    size = len(body) // 2 if keep is True else min(int(keep), len(body))
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(body[:size], status_code=response.status_code, headers=headers)


class ConnectionReset(Response):
    """Closes the connection without an answer. `status_code` is what the journal shows: 0 when the
    request was not processed, the endpoint's status when it was (reset = "after")."""

    def __init__(self, rule_id: str, status: int) -> None:
        super().__init__(status_code=status)
        self.rule_id = rule_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cycle = _server_cycle()
        if cycle is None:  # in-process (httpx ASGITransport): what httpx raises for a dropped connection
            raise httpx.RemoteProtocolError(f"Server disconnected without sending a response (fault {self.rule_id})")
        cycle.transport.abort()
        for _ in range(100):  # let the server see the connection gone, so it does not answer 500 itself
            if cycle.disconnected:
                break
            await asyncio.sleep(0)


def _server_cycle() -> Any:
    """uvicorn's request/response cycle running this request (it owns the connection's transport).

    uvicorn runs each request as a task of `RequestResponseCycle.run_asgi` (h11 and httptools alike)
    and ASGI gives an app no way to drop a connection, so the cycle is found through that task.
    """
    task = asyncio.current_task()
    frame = getattr(task.get_coro(), "cr_frame", None) if task is not None else None
    owner = frame.f_locals.get("self") if frame is not None else None
    return owner if hasattr(owner, "transport") and hasattr(owner, "disconnected") else None
