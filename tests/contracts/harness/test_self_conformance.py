"""Self-conformance: the harness in full mode finds nothing wrong with our own simulator.

Every operation the simulator implements is reached; operations it does not simulate are
reported as such, never as failures (the list is read at run time, it shrinks over time).
"""

from __future__ import annotations

import json
from typing import Any

from contracts import spec
from simulator.api.not_simulated import NOT_SIMULATED
from tests.contracts.harness.conftest import TIMESERIES, SimApp
from tests.contracts.harness.faults import answer, call_inner

SEED = 20240601
EXAMPLES = 5  # per operation and kind; ~1 min of CPU for the whole contract (see the report)


def test_the_simulator_conforms_to_its_contract(sim_app: SimApp) -> None:
    report = sim_app.run(mode="full", max_examples=EXAMPLES, seed=SEED)
    assert report.findings == [], report.summary()
    assert report.cleanup.left == []
    implemented = [op.operation_id for op in spec.operations() if op.operation_id not in NOT_SIMULATED]
    assert [op for op in implemented if not report.operations[op].requests] == []
    # depth: every operation answered with success at least once, so its success schema was checked
    assert [op for op in implemented if not report.operations[op].reached] == []
    assert report.min_reached == len(implemented) and report.ok
    assert report.verdict() == f"passed, {len(implemented)}/{len(spec.operations())} operations reached"
    assert all("response_schema_conformance" in report.operations[op].checks for op in implemented)
    assert "websocket_handshake" in report.operations["connectStream"].checks
    for operation_id in NOT_SIMULATED:
        assert report.operations[operation_id].not_simulated
        assert report.operations[operation_id].failures == 0


class NotSimulating:
    """The simulator as if `operation` were still on the 501 list (listed in /_sim/coverage or not)."""

    def __init__(self, app: Any, operation: str, *, listed: bool) -> None:
        self.app, self.operation, self.listed = app, spec.operation(operation), listed
        self.sent = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/_sim/coverage" and self.listed:
            await answer(send, 200, json.dumps({"notSimulated": [self.operation.operation_id]}).encode(), None)
            return
        template, parts = self.operation.full_path.split("/"), scope.get("path", "").split("/")
        same = len(parts) == len(template) and all(
            t.startswith("{") or t == p for t, p in zip(template, parts, strict=False)
        )
        if scope["type"] == "http" and scope["method"] == self.operation.method and same:
            self.sent += 1
            body = {"errorMessage": "not simulated", "errorCode": "NOT_IMPLEMENTED"}
            await answer(send, 501, json.dumps(body).encode(), None)
            return
        status, headers, body_bytes = await call_inner(self.app, scope, receive)
        await answer(send, status, body_bytes, headers)


def test_an_operation_answering_501_is_reported_as_not_simulated(sim_app: SimApp) -> None:
    app = NotSimulating(sim_app.app, "updateTimeseries", listed=False)
    report = sim_app.run(app=app, operations=TIMESERIES, stateful=False)
    assert report.operations["updateTimeseries"].not_simulated
    assert report.findings == [], report.summary()
    assert app.sent >= 1
    assert report.operations["getTimeseries"].requests and not report.operations["getTimeseries"].not_simulated


def test_operations_the_simulator_lists_as_not_simulated_are_not_sent(sim_app: SimApp) -> None:
    app = NotSimulating(sim_app.app, "updateTimeseries", listed=True)
    report = sim_app.run(app=app, operations=TIMESERIES, stateful=False)
    assert report.operations["updateTimeseries"].not_simulated
    assert app.sent == 0
    assert report.findings == [], report.summary()
