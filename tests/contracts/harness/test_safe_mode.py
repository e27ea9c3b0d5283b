"""Safe mode against a target that is not (visibly) our simulator: reads, plus chains on its own resources.

The simulator's request journal is the witness: no write may name an id that existed before the
run, the resources that were there are untouched, and nothing the run made is left.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from contracts.harness import Options
from contracts.harness.generation import draw
from contracts.harness.options import OptionsError
from contracts.harness.runner import Runner, asgi_transport
from tests.contracts.harness.conftest import BASE_URL, SimApp
from tests.contracts.harness.faults import WithoutControlApi

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
COLLECTIONS = (
    "/device-types",
    "/devices",
    "/timeseries",
    "/roles",
    "/notifications",
    "/firmwares",
    "/application-developer/applications",
)
LAMP = {"name": "Lamp", "schema": {"attributes": {"temperature": {"type": "number"}}}}


def existing_ids(sim_app: SimApp) -> set[str]:
    return set(UUID.findall(json.dumps(sim_app.sim.snapshot())))


def listing(sim_app: SimApp) -> dict[str, list[Any]]:
    client = sim_app.client()
    return {c: client.get(f"{BASE_URL}/v1{c}", params={"pageSize": 100}).json()["data"] for c in COLLECTIONS}


def test_safe_mode_only_writes_to_what_it_created_and_leaves_nothing(sim_app: SimApp) -> None:
    device_type = sim_app.create("/device-types", LAMP)
    sim_app.create("/devices", {"info": {"name": "hall lamp", "deviceTypeId": device_type["id"]}})
    sim_app.create("/timeseries", {"name": "meter", "dataType": {"type": "number"}})
    before_ids, before = existing_ids(sim_app), listing(sim_app)
    sim_app.sim.request_journal.clear()
    other = sim_app.sim.tenants.create_tenant("Other", sim_app.sim.world.owner_user_id)

    report = sim_app.run(
        app=WithoutControlApi(sim_app.app),
        token=sim_app.token(),
        other_token=sim_app.token(other.id),
        rate=1000,
        max_examples=3,
    )

    assert report.mode == "safe"
    writes = [e for e in sim_app.journal() if e["method"] not in ("GET", "HEAD", "OPTIONS")]
    assert any(e["method"] == "POST" and e["status"] == 201 for e in writes), "the run created nothing"
    foreign = [f"{e['method']} {e['path']}" for e in writes if set(UUID.findall(e["path"])) & before_ids]
    assert foreign == []
    assert listing(sim_app) == before
    assert report.cleanup.left == []
    assert report.checks_not_run == []
    assert sum(s.requests for s in report.operations.values() if s.method == "GET") > 100


def test_full_mode_against_another_target_needs_allow_destructive(sim_app: SimApp) -> None:
    target = WithoutControlApi(sim_app.app)
    with pytest.raises(OptionsError, match="allow-destructive"):
        sim_app.run(app=target, token=sim_app.token(), mode="full")
    sim_app.sim.request_journal.clear()
    report = sim_app.run(
        app=target,
        token=sim_app.token(),
        mode="full",
        allow_destructive=True,
        max_examples=1,
        operations=("listTimeseries", "deleteTimeseries"),
        stateful=False,
    )
    assert report.mode == "full"
    assert any(e["method"] == "DELETE" for e in sim_app.journal())


def test_another_target_needs_credentials(sim_app: SimApp) -> None:
    with pytest.raises(OptionsError, match="token"):
        sim_app.run(app=WithoutControlApi(sim_app.app))


def test_without_another_tenants_token_isolation_is_reported_as_not_run(sim_app: SimApp) -> None:
    report = sim_app.run(
        app=WithoutControlApi(sim_app.app),
        token=sim_app.token(),
        rate=1000,
        stateful=False,
        operations=("createTimeseries", "getTimeseries", "deleteTimeseries"),
    )
    assert report.ok, report.summary()
    assert any("olt_tenant_isolation" in text for text in report.checks_not_run)


@pytest.mark.parametrize("budget", [3, 12])
def test_the_budget_caps_the_requests_and_cleanup_still_runs(sim_app: SimApp, budget: int) -> None:
    report = sim_app.run(
        app=WithoutControlApi(sim_app.app),
        token=sim_app.token(),
        rate=1000,
        budget=budget,
        operations=("createDeviceType", "getDeviceType", "updateDeviceType", "deleteDeviceType", "listDeviceTypes"),
    )
    assert report.budget_exhausted
    assert len(sim_app.journal()) - report.cleanup.requests - report.preflight_requests <= budget
    if budget == 3:  # the run stopped between the create and its delete: cleanup deleted it
        assert len(report.cleanup.deleted) == 1
    assert report.cleanup.left == []
    assert listing(sim_app)["/device-types"] == []


def test_a_destructive_case_for_a_foreign_resource_is_never_sent(sim_app: SimApp) -> None:
    foreign = sim_app.create("/timeseries", {"name": "meter", "dataType": {"type": "number"}})["id"]
    options = Options(base_url=BASE_URL, token=sim_app.token(), rate=1000, state_dir=str(sim_app.state_dir))
    runner = Runner(options, asgi_transport(WithoutControlApi(sim_app.app)))
    runner.prepare()
    sim_app.sim.request_journal.clear()
    for operation_id, name in (
        ("deleteTimeseries", "timeseriesId"),
        ("updateTimeseries", "timeseriesId"),
        ("deleteDevice", "deviceId"),
    ):
        strategy = runner.schema.find_operation_by_id(operation_id).as_strategy(path_parameters={name: foreign})
        (case,) = draw(strategy, 1, 0)
        assert runner.exercise(case) is None
        assert runner.report.operations[operation_id].refused == 1
    assert sim_app.journal() == []
    assert sim_app.client().get(f"{BASE_URL}/v1/timeseries/{foreign}").status_code == 200


def test_safe_mode_reaches_what_it_may_and_says_what_it_did_not(sim_app: SimApp) -> None:
    """Against a target that is not the simulator (no /_sim): the reach phase builds what the run owns
    (device type, device, certificate, firmware, application...) and stops where safe mode refuses."""
    report = sim_app.run(
        app=WithoutControlApi(sim_app.app), token=sim_app.token(), rate=1000, stateful=False, max_examples=1
    )
    assert report.mode == "safe" and report.ok, report.summary()
    assert report.reached >= 90, report.summary()
    for operation in ("getDeviceState", "getDeviceCertificate", "downloadFirmwareBlob", "getOwnInstallation"):
        assert report.operations[operation].reached, operation
    assert report.verdict() == f"passed, {report.reached}/125 operations reached"
    assert "not reached (" in report.summary()
