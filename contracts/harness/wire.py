"""The one way out of the harness: an httpx client whose transport enforces safety, rate and budget.

Every request the harness makes — generated cases, probes, cleanup — goes through `Wire.client`,
so safe mode, the requests-per-second cap and the request budget hold whatever part sends it. The
transport also watches answers: creates go into the ledger (so cleanup finds them), deletes are
crossed off, and both become events the runner follows up with read-back probes.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from contracts import spec
from contracts.harness.ledger import Ledger
from contracts.harness.policy import SafetyPolicy
from contracts.harness.recording import Recorder
from contracts.harness.resources import ContractMap, Request


class Refused(httpx.RequestError):
    """Safe mode kept this request from being sent."""


class BudgetExhausted(httpx.RequestError):
    """The run has used its request budget."""


@dataclass(frozen=True)
class Event:
    kind: str  #: "created" or "deleted"
    path: str  #: resource path with the /v1 prefix
    operation_id: str


#: Told about every request: its operationId (None outside the contract) and status (None: refused).
Observer = Callable[[str | None, int | None], None]


class RateLimiter:
    """At most `rate` requests per second, evenly spaced (no bursts against production)."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self.set_rate(rate)

    def set_rate(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


def _json(raw: bytes | str | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


class Wire:
    def __init__(
        self,
        contract: ContractMap,
        ledger: Ledger,
        *,
        safe: bool,
        rate: float | None,
        budget: int | None,
        root_path: str = "",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.contract = contract
        self.ledger = ledger
        self.policy = SafetyPolicy(contract, ledger.owned, safe=safe)
        self.limiter = RateLimiter(rate)
        self.budget = budget
        self.sent = 0
        self.exempt = False  #: cleanup requests do not count against the budget
        self.root_path = root_path.rstrip("/")
        self.events: list[Event] = []
        self.observers: list[Observer] = []
        self.recorder: Recorder | None = None  #: set by --record: every API exchange is kept
        self.client = httpx.Client(
            transport=_GateTransport(transport or httpx.HTTPTransport(), self),
            headers={spec.HARNESS_HEADER: ledger.run_id},  # the journal tells our requests from a client's
            follow_redirects=True,
        )

    @property
    def exhausted(self) -> bool:
        return self.budget is not None and self.sent >= self.budget and not self.exempt

    def api_path(self, url: str) -> str:
        """The request path as the contract spells it (the target's own path prefix removed)."""
        path = urlsplit(url).path
        if self.root_path and path.startswith(self.root_path):
            path = path[len(self.root_path) :]
        return path

    def pop_events(self) -> list[Event]:
        events, self.events = self.events, []
        return events

    # -- transport callbacks

    def before_send(self, request: httpx.Request) -> None:
        path = self.api_path(str(request.url))
        reason = self.policy.refusal(request.method, path)
        if reason:
            self._notify(self._operation_id(request.method, path), None)
            raise Refused(reason, request=request)
        if self.exhausted:
            raise BudgetExhausted(f"the request budget of {self.budget} is used up", request=request)
        self.limiter.wait()
        if not self.exempt:
            self.sent += 1

    def after_receive(self, request: httpx.Request, response: httpx.Response) -> None:
        method = request.method.upper()
        path = self.api_path(str(request.url))
        found = self.contract.match(method, path) if path.startswith(spec.API_PREFIX) else None
        if found is not None:  # ledger first: whatever happens next, cleanup knows about it
            operation, params = found
            if method == "POST" and response.status_code in (201, 202):
                self._created(operation.operation_id, params, request, response)
            elif method == "DELETE" and 200 <= response.status_code < 300:
                self.ledger.deleted(path)
                self.events.append(Event("deleted", path, operation.operation_id))
        if self.recorder is not None and path.startswith(spec.API_PREFIX):
            self.recorder.record(
                found[0].operation_id if found else None,
                method,
                path,
                request.url.query.decode(),
                dict(request.headers.items()),
                request.content or None,
                response.status_code,
                dict(response.headers),
                response.content,
            )
        self._notify(found[0].operation_id if found else None, response.status_code)

    def _created(
        self, operation_id: str, params: dict[str, str], request: httpx.Request, response: httpx.Response
    ) -> None:
        body = _json(response.content)
        context = Request(params, _json(request.content), dict(request.headers.items()))
        ids = self.contract.created_ids(operation_id, context, body, response.headers)
        self.ledger.owned.update(ids)
        resource = self.contract.resources.get(operation_id)
        if resource is None:
            return
        path = self.contract.resource_path(resource, context, body, response.headers)
        if path is not None:
            self.ledger.created(path, operation_id, ids)
            self.events.append(Event("created", path, operation_id))

    def _operation_id(self, method: str, path: str) -> str | None:
        found = self.contract.match(method, path)
        return found[0].operation_id if found else None

    def _notify(self, operation_id: str | None, status: int | None) -> None:
        for observer in self.observers:
            observer(operation_id, status)


class StreamedBody(httpx.SyncByteStream):
    """A body already read, handed on as a stream: httpx times a response (`elapsed`) when its stream ends."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def __iter__(self) -> Iterator[bytes]:
        yield self.raw


class _GateTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, wire: Wire) -> None:
        self.inner = inner
        self.wire = wire

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the ledger and the recording read the body the request carried
        self.wire.before_send(request)
        response = self.inner.handle_request(request)
        try:
            raw = b"".join(response.iter_raw())  # read once here, still encoded as it came
        finally:
            response.close()
        seen = httpx.Response(response.status_code, headers=response.headers, content=raw, request=request)
        self.wire.after_receive(request, seen)
        # A streamed body again, so the client times the exchange (`elapsed`) as for any response.
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=StreamedBody(raw),
            request=request,
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.inner.close()
