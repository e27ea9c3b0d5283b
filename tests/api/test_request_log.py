"""The per-request console line: off by default (fixtures stay silent), one line per request once enabled."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from simulator.api.request_log import OFF, log
from simulator.testing import SimHandle


@pytest.fixture
def request_lines(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    log.setLevel(logging.INFO)
    caplog.set_level(logging.INFO, logger=log.name)
    try:
        yield caplog
    finally:
        log.setLevel(OFF)


def test_silent_unless_enabled(olt_sim: SimHandle, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    olt_sim.client(None, check_contract=False).get("/device-types")
    assert not [r for r in caplog.records if r.name == log.name]


def test_one_line_per_request_with_its_violations(olt_sim: SimHandle, request_lines: pytest.LogCaptureFixture) -> None:
    olt_sim.client().get("/device-types")
    olt_sim.client(check_contract=False).post("/device-types", json={"schema": {}})
    journaled = olt_sim.control().get("/_sim/requests").json()["data"][-1]
    olt_sim.control().get("/no/such/route")
    records = [r for r in request_lines.records if r.name == log.name]
    lines = [
        (r.levelname, r.getMessage().split(" ms")[0].rsplit(" ", 1)[0], r.request["violations"])  # type: ignore[attr-defined]
        for r in records
    ]
    assert lines == [
        ("INFO", "GET /v1/device-types 200", 0),
        ("WARNING", "POST /v1/device-types 400", len(journaled["violations"])),
        ("INFO", "GET /_sim/requests 200", 0),
        ("INFO", "GET /no/such/route 404", 0),
    ]
    count = len(journaled["violations"])
    assert count and records[1].getMessage().endswith(f"  {count} contract violation{'s' if count != 1 else ''}")
