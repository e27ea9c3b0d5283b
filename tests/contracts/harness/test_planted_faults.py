"""The harness catches planted faults: each broken behaviour of the timeseries API is reported."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from contracts.harness import render
from tests.contracts.harness.conftest import TIMESERIES, SimApp, findings
from tests.contracts.harness.faults import EXPECTED, Faulty


def test_the_unbroken_timeseries_api_passes(sim_app: SimApp) -> None:
    report = sim_app.run(operations=TIMESERIES, stateful=False)
    assert report.findings == [], report.summary()
    assert all(report.operations[op].requests for op in TIMESERIES)


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_a_planted_fault_is_reported(sim_app: SimApp, fault: str) -> None:
    broken = Faulty(sim_app.app, sim_app.sim, fault)
    report = sim_app.run(app=broken, operations=TIMESERIES, stateful=False)
    operation, check = EXPECTED[fault]
    assert (operation, check) in findings(report), report.summary()
    assert not report.ok
    assert report.cleanup.left == [] or fault == "undeleted"
    cases = {c.get("name", "").split(" ")[0]: c for c in ET.fromstring(render.junit(report)).iter("testcase")}
    failure = cases[operation].find("failure")
    assert failure is not None and check in (failure.text or "")
    assert f"[{check}]" in render.html_page(report)
