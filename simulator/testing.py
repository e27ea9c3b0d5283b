"""Helpers for tests of code that talks to OLT: in-process clients and contract checks.

`SimHandle` is what the `olt_sim` fixtures yield. Every response it sees is checked against
the contract; a non-conforming one raises `ContractViolation`, failing the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from contracts import spec
from contracts.routing import OperationRouter, RouteMiss
from contracts.validation import OperationContract, problems
from simulator.faults.http import FAULT_HEADER
from simulator.olt_errors import explaining
from simulator.runtime import Simulator
from simulator.server import LoopThread

#: Statuses the transport itself may answer for any operation (not declared per operation).
PROTOCOL_STATUSES = {405, 413, 415, 501}


class ContractViolation(AssertionError):
    """A response of the system under test does not conform to the contract."""


def error_shape_problems(operation_id: str, status: int, body: bytes) -> list[str]:
    """Transport-level refusals (405, 413, 415, 501) are not declared per operation but keep OLT's shape."""
    try:
        instance = json.loads(body)
    except ValueError:
        return [f"{operation_id} {status}: body is not JSON"]
    return [
        f"{operation_id} {status}: {p.path}: {p.message}"
        for p in problems("/components/schemas/Error", instance, "body")
    ]


class ContractChecker:
    def __init__(self) -> None:
        self.router = OperationRouter(spec.operations())
        self._contracts: dict[str, OperationContract] = {}

    def problems(self, method: str, path: str, status: int, content_type: str | None, body: bytes) -> list[str]:
        try:
            op, _ = self.router.match(method, path)
        except RouteMiss:
            return []
        operation = spec.operation(op.operation_id)  # type: ignore[attr-defined]
        contract = self._contracts.get(operation.operation_id)
        if contract is None:
            contract = self._contracts[operation.operation_id] = OperationContract.build(operation)
        if status in PROTOCOL_STATUSES:
            return error_shape_problems(operation.operation_id, status, body)
        return contract.check_response(status, content_type, body)

    def check(self, response: httpx.Response) -> None:
        found = self.problems(
            response.request.method,
            response.request.url.path,
            response.status_code,
            response.headers.get("content-type"),
            response.content,
        )
        if found:
            raise ContractViolation("; ".join(found))


class InProcessTransport(httpx.BaseTransport):
    """Sync httpx transport that runs the ASGI app on the simulator's loop thread (no sockets)."""

    def __init__(self, app: Any, loop_thread: LoopThread) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop_thread = loop_thread

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def run() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            inner_request = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            response = await self._inner.handle_async_request(inner_request)
            content = await response.aread()
            return response.status_code, response.headers.raw, content

        status, headers, content = self._loop_thread.run(run())
        return httpx.Response(status, headers=headers, content=content, request=request)


class SimHandle:
    """One simulator as a test sees it: URLs, clients with tokens, the clock."""

    def __init__(
        self,
        sim: Simulator,
        loop_thread: LoopThread,
        base_url: str,
        transport: httpx.BaseTransport | None = None,
        checker: ContractChecker | None = None,
    ) -> None:
        self.sim = sim
        self.loop_thread = loop_thread
        self.base_url = base_url
        self._transport = transport
        self._checker = checker or ContractChecker()
        self._clients: list[httpx.Client] = []
        self.scenario: Any = None  # the ScenarioRunner of an @pytest.mark.olt_scenario test

    @property
    def api_url(self) -> str:
        return self.base_url + "/v1"

    @property
    def world(self) -> Any:
        return self.sim.world

    @property
    def mqtt_host(self) -> str:
        return str(self.sim.info.get("mqttHost", "127.0.0.1"))

    @property
    def mqtt_port(self) -> int | None:
        """Plain MQTT port of the running broker (None in-process: no broker)."""
        return self.sim.info.get("mqttPort")

    @property
    def mqtts_port(self) -> int | None:
        return self.sim.info.get("mqttsPort")

    @property
    def ca_pem_path(self) -> str | None:
        """The local CA (trust it to reach MQTTS / HTTPS)."""
        return self.sim.info.get("caPemPath")

    def mqtt_password(self, device_id: str) -> str:
        """Password of a device on the plain MQTT port (username = device id)."""
        return str(self.call(lambda: self.sim.devices.mqtt_password(device_id)))

    def mqtt_messages(self) -> list[dict[str, Any]]:
        """The MQTT journal, oldest first (both directions), as `/_sim/mqtt/messages` shows it."""
        return list(self.call(lambda: list(self.sim.mqtt_journal)))

    @property
    def tenant_id(self) -> str:
        return self.sim.world.tenant_id

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` on the simulator's loop (the one place its state may be touched)."""
        return self.loop_thread.call(fn)

    def token(self, user: str = "owner@example.com", tenant: str | None = None, client_id: str | None = None) -> str:
        if client_id and user == "owner@example.com":
            return str(self.call(lambda: self.sim.token_for_client(client_id, tenant or self.tenant_id)))
        return str(self.call(lambda: self.sim.token_for_user(user, tenant, client_id)))

    def client(self, token: str | None = "owner", *, check_contract: bool = True) -> httpx.Client:
        """An httpx client on the API base URL; `token` is a token, a seeded e-mail, 'owner' or None."""
        headers = {}
        if token == "owner":
            token = self.token()
        elif token and "@" in token:
            token = self.token(token)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        hooks = {"response": [explaining, self._check] if check_contract else [explaining]}
        client = httpx.Client(
            base_url=self.api_url, headers=headers, transport=self._transport, event_hooks=hooks, timeout=30
        )
        self._clients.append(client)
        return client

    def control(self) -> httpx.Client:
        """A client on the server root, for /_sim and other non-contract routes."""
        client = httpx.Client(base_url=self.base_url, transport=self._transport, timeout=30)
        self._clients.append(client)
        return client

    def _check(self, response: httpx.Response) -> None:
        if FAULT_HEADER in response.headers:  # an injected fault answers outside the contract on purpose
            return
        response.read()
        self._checker.check(response)

    @contextmanager
    def fault(
        self, match: dict[str, Any] | None = None, effect: dict[str, Any] | None = None, **schedule: Any
    ) -> Iterator[dict[str, Any]]:
        """A fault rule for the `with` block (docs/faults.md); yields the rule (live counters via `faults()`).

        `schedule` takes count, probability, after and for_ (`for` is a keyword in Python).
        """
        rule = {"match": match or {}, "effect": effect or {}}
        rule.update({("for" if key == "for_" else key): value for key, value in schedule.items()})
        added = self.call(lambda: self.sim.faults.add(rule))
        try:
            yield {"id": added.id}
        finally:
            self.call(lambda: self.sim.faults.remove(added.id))

    def faults(self) -> list[dict[str, Any]]:
        """The fault rules with their counters, as GET /_sim/faults lists them."""
        return list(self.call(self.sim.faults.describe))

    def advance(self, seconds: float) -> int:
        return int(self.call(lambda: self.sim.clock.advance(seconds)))

    def now(self) -> Any:
        return self.call(self.sim.clock.now)

    def reset(self) -> None:
        self.call(self.sim.reset)

    def snapshot(self) -> dict[str, Any]:
        """The whole world as a JSON-able document (what GET /_sim/snapshot answers)."""
        return dict(self.call(self.sim.snapshot))

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Back to a snapshot's world and time; a bad document raises SnapshotRefused and changes nothing."""
        self.call(lambda: self.sim.restore(snapshot))

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
