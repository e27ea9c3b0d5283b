"""`--olt-client-conformance`: a test fails when the client under test sent a non-conforming request.

Registered from `simulator.pytest_plugin`. After a passing test that used `olt_sim` or
`olt_sim_server`, the simulator's request journal (reset per test) is read through the handle's
`control()` client; any request with contract violations turns the test into a failure that
lists them. Tests that send bad requests on purpose opt out with `@pytest.mark.olt_allow_violations`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from contracts.harness.client import describe, violating

FIXTURES = ("olt_sim", "olt_sim_server")
MARKER = "olt_allow_violations"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("olt-sim")
    group.addoption(
        "--olt-client-conformance",
        action="store_true",
        default=None,
        help="fail a test when the client under test sent a request that breaks the OLT contract",
    )
    parser.addini("olt_client_conformance", "like --olt-client-conformance", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: the test sends non-conforming requests on purpose")


def enabled(config: pytest.Config) -> bool:
    flag = config.getoption("--olt-client-conformance")
    return bool(flag if flag is not None else config.getini("olt_client_conformance"))


def journal(handle: Any) -> list[dict[str, Any]]:
    response = handle.control().get("/_sim/requests", params={"violations": "true"})
    return list(response.json().get("data") or []) if response.status_code == 200 else []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if call.when != "call" or not report.passed or not enabled(item.config):
        return
    if item.get_closest_marker(MARKER) is not None:
        return
    funcargs = getattr(item, "funcargs", {})
    handles = {
        id(h): h for name in FIXTURES if (h := funcargs.get(name)) is not None and getattr(h, "is_simulator", True)
    }  # another deployment (--olt-target) keeps no journal
    bad = [entry for handle in handles.values() for entry in violating(journal(handle))]
    if bad:
        report.outcome = "failed"
        report.longrepr = failure_message(bad)


def failure_message(bad: list[Any]) -> str:
    """Each distinct violation once, with how often the client repeated it."""
    counts = Counter(describe(entry) for entry in bad)
    lines = [text + (f"\n    (sent {count} times)" if count > 1 else "") for text, count in counts.items()]
    return f"the client sent {len(bad)} request(s) that break the OLT contract:\n" + "\n".join(lines)
