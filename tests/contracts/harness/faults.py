"""A deliberately broken OLT: ASGI middleware planting one fault into the simulator's timeseries API."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import jwt

from simulator.runtime import Simulator

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ITEM = "/v1/timeseries/"
LIST = "/v1/timeseries"

#: fault -> (operationId, check) the harness must report for it
EXPECTED = {
    "wrong-status": ("getTimeseries", "status_code_conformance"),
    "bad-body": ("getTimeseries", "response_schema_conformance"),
    "server-error": ("listTimeseries", "not_a_server_error"),
    "cross-tenant": ("createTimeseries", "olt_tenant_isolation"),
    "undeleted": ("deleteTimeseries", "olt_deleted_gone"),
    "error-shape": ("getTimeseries", "olt_error_shape"),
    "pagination": ("listTimeseries", "olt_pagination"),
    "ignored-auth": ("listTimeseries", "ignored_auth"),
}


def _is_item(path: str) -> bool:
    return path.startswith(ITEM) and path.count("/") == 3


class Faulty:
    def __init__(self, app: Any, sim: Simulator, fault: str) -> None:
        self.app, self.sim, self.fault = app, sim, fault

    def _tenant(self, headers: dict[bytes, bytes]) -> str | None:
        auth = headers.get(b"authorization", b"").decode()
        try:
            claims = jwt.decode(auth.removeprefix("Bearer "), options={"verify_signature": False})
        except jwt.PyJWTError:
            return None
        return claims.get("tenant")

    def _with_owner_token(self, scope: Scope) -> Scope:
        token = self.sim.token_for_user("owner@example.com").encode()
        headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
        return {**scope, "headers": [*headers, (b"authorization", b"Bearer " + token)]}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path, fault = scope["method"], scope["path"], self.fault
        headers = dict(scope["headers"])
        if fault == "undeleted" and method == "DELETE" and _is_item(path):
            await answer(send, 204, b"", None)
            return
        if fault == "cross-tenant" and method == "GET" and _is_item(path):
            tenant = self._tenant(headers)
            if tenant is not None and tenant != self.sim.world.tenant_id:
                scope = self._with_owner_token(scope)
        if fault == "ignored-auth" and method == "GET" and path == LIST and self._tenant(headers) is None:
            scope = self._with_owner_token(scope)
        status, response_headers, body = await call_inner(self.app, scope, receive)
        if method == "GET" and path == LIST and status == 200:
            if fault == "server-error":
                status, body = 500, json.dumps({"errorMessage": "boom", "errorCode": "INTERNAL_ERROR"}).encode()
            elif fault == "pagination":
                page = json.loads(body)
                page["meta"]["itemsTotal"] += 5
                body = json.dumps(page).encode()
        if method == "GET" and _is_item(path):
            if fault == "wrong-status" and status == 200:
                status = 202
            elif fault == "bad-body" and status == 200:
                item = json.loads(body)
                item["data"]["name"] = 12345
                body = json.dumps(item).encode()
            elif fault == "error-shape" and status == 404:
                body = json.dumps({"message": "not here"}).encode()
        await answer(send, status, body, response_headers)


async def call_inner(app: Any, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    start: Message = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return start["status"], list(start.get("headers", [])), b"".join(chunks)


async def answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None) -> None:
    kept = [(k, v) for k, v in headers or [] if k.lower() != b"content-length"]
    if body and not any(k.lower() == b"content-type" for k, _ in kept):
        kept.append((b"content-type", b"application/json"))
    kept.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": kept})
    await send({"type": "http.response.body", "body": body})


class WithoutControlApi:
    """The simulator without /_sim: to the harness it looks like any other OLT (safe mode by default)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/_sim"):
            await answer(send, 404, json.dumps({"errorMessage": "no", "errorCode": "NOT_FOUND"}).encode(), None)
            return
        await self.app(scope, receive, send)
