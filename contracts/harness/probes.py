"""Follow-up requests that check what single responses cannot show.

- a created resource is readable by its tenant and invisible to another tenant;
- a deleted resource answers 404;
- an operation that needs a token refuses a request without one or with a bad one (the harness'
  `ignored_auth`: once per operation, sent through the wire like everything else).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from contracts import spec
from contracts.harness.report import Report
from contracts.harness.target import Target
from contracts.harness.wire import BudgetExhausted, Event, Refused

NOT_SIMULATED_STATUS = 501
AUTH_REFUSALS = (401, 403)

#: The token the auth probe sends (a recording labels requests carrying it "invalid").
INVALID_TOKEN = "invalid-olt-harness"


class Prober:
    def __init__(self, target: Target, report: Report) -> None:
        self.target = target
        self.report = report
        self.auth_checked: set[str] = set()
        self._isolation_noted = False

    def _get(self, path: str, headers: Mapping[str, str]) -> httpx.Response | None:
        try:
            return self.target.wire.client.get(
                self.target.root_url + path, headers=dict(headers), timeout=self.target.options.timeout
            )
        except (Refused, BudgetExhausted):
            return None
        except httpx.HTTPError as error:
            self.report.note(f"GET {path} failed: {error}")
            return None

    def _readable_by(self, path: str) -> str | None:
        operation_id = self.target.wire.contract.read_at(path)
        if operation_id is None or operation_id in self.target.not_simulated:
            return None
        return operation_id

    def follow(self, events: list[Event]) -> None:
        for event in events:
            read = self._readable_by(event.path)
            if read is None:
                continue
            if event.kind == "created":
                self._created(event, read)
            else:
                self._deleted(event, read)

    def _created(self, event: Event, read: str) -> None:
        response = self._get(event.path, self.target.headers())
        if response is None or response.status_code == NOT_SIMULATED_STATUS:
            return
        if response.status_code != 200:
            self.report.fail(
                event.operation_id,
                "olt_created_readable",
                "A created resource cannot be read back",
                f"{read} answered {response.status_code} for what {event.operation_id} just created",
                response.status_code,
                f"GET {event.path}",
            )
        other = self.target.other_headers()
        if other is None:
            if not self._isolation_noted:
                self._isolation_noted = True
                self.report.checks_not_run.append(
                    "olt_tenant_isolation: no token of another tenant (give --other-token)"
                )
            return
        response = self._get(event.path, other)
        if response is not None and 200 <= response.status_code < 300:
            self.report.fail(
                event.operation_id,
                "olt_tenant_isolation",
                "Another tenant can read the resource",
                f"{read} answered {response.status_code} to another tenant's token for a resource of this tenant",
                response.status_code,
                f"GET {event.path}",
            )

    def _deleted(self, event: Event, read: str) -> None:
        response = self._get(event.path, self.target.headers())
        if response is None or response.status_code in (404, NOT_SIMULATED_STATUS):
            return
        self.report.fail(
            event.operation_id,
            "olt_deleted_gone",
            "A deleted resource is still there",
            f"{read} answered {response.status_code} after {event.operation_id} deleted it (expected 404)",
            response.status_code,
            f"GET {event.path}",
        )

    def auth(self, operation_id: str, request: httpx.Request | None, status: int) -> None:
        """Once per operation, after a success: the same request without a token, then with a bad one."""
        if request is None or operation_id in self.auth_checked or not 200 <= status < 300:
            return
        if not spec.operation(operation_id).requires_auth:
            return
        self.auth_checked.add(operation_id)
        for label, value in (("without a token", None), ("with an invalid token", f"Bearer {INVALID_TOKEN}")):
            headers = httpx.Headers(request.headers)
            headers.pop("Authorization", None)
            if value:
                headers["Authorization"] = value
            replay = httpx.Request(
                request.method,
                request.url,
                headers=headers,
                content=request.content,
                extensions={"timeout": httpx.Timeout(self.target.options.timeout).as_dict()},
            )
            try:
                answer = self.target.wire.client.send(replay)
            except (Refused, BudgetExhausted):
                return
            except httpx.HTTPError as error:
                self.report.note(f"auth probe of {operation_id} failed: {error}")
                return
            if answer.status_code not in AUTH_REFUSALS:
                self.report.fail(
                    operation_id,
                    "ignored_auth",
                    f"The API accepts a request {label}",
                    f"expected 401 or 403, got {answer.status_code}",
                    answer.status_code,
                    f"{replay.method} {replay.url}",
                )
