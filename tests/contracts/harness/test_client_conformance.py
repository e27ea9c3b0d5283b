"""Client conformance: the journal grouped per operation, and the pytest option that fails a test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from contracts.harness.client import by_operation, describe, format_report, violating

ENTRIES: list[dict[str, Any]] = [
    {
        "method": "GET",
        "path": "/v1/devices",
        "query": "",
        "operationId": "listDevices",
        "status": 200,
        "violations": [],
    },
    {
        "method": "POST",
        "path": "/v1/devices",
        "query": "",
        "operationId": "createDevice",
        "status": 400,
        "violations": [{"path": "body.info", "message": "'info' is a required property"}],
    },
    {
        "method": "GET",
        "path": "/v1/nope",
        "query": "a=1",
        "operationId": None,
        "status": 404,
        "violations": [{"path": "request", "message": "the request was refused with 404"}],
    },
]

INNER_TESTS = """
import pytest


def test_conforming(olt_sim):
    assert olt_sim.client().get("/devices").status_code == 200


def test_non_conforming(olt_sim):
    assert olt_sim.client().post("/devices", json={"info": {"name": 5}}).status_code == 400


@pytest.mark.olt_allow_violations
def test_non_conforming_on_purpose(olt_sim):
    assert olt_sim.client().post("/devices", json={"info": {"name": 5}}).status_code == 400
"""


def test_violations_are_grouped_per_operation() -> None:
    summaries = by_operation(ENTRIES)
    assert (summaries["createDevice"].requests, summaries["createDevice"].violating) == (1, 1)
    assert summaries["listDevices"].violating == 0
    assert summaries["(no contract operation)"].statuses[404] == 1
    text = format_report(summaries)
    assert "createDevice: body.info: 'info' is a required property (x1)" in text
    assert text.endswith("2 non-conforming requests out of 3")
    assert [e["operationId"] for e in violating(ENTRIES)] == ["createDevice", None]
    assert describe(ENTRIES[2]).startswith("GET /v1/nope?a=1 ((no contract operation)) -> 404")
    assert format_report({}).startswith("the journal is empty")


def run_inner(directory: Path, *args: str) -> str:
    (directory / "test_inner.py").write_text(INNER_TESTS)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "test_inner.py", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout


def test_the_pytest_option_fails_a_test_whose_client_broke_the_contract(tmp_path: Path) -> None:
    out = run_inner(tmp_path, "--olt-client-conformance")
    assert "PASSED test_inner.py::test_conforming" in out
    assert "FAILED test_inner.py::test_non_conforming " in out or "FAILED test_inner.py::test_non_conforming\n" in out
    assert "PASSED test_inner.py::test_non_conforming_on_purpose" in out
    assert "POST /v1/devices (createDevice) -> 400" in out and "body.info.name" in out
    without = run_inner(tmp_path)
    assert "3 passed" in without
