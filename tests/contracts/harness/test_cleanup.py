"""Everything a run creates is deleted: at its end, after a crash, or later with --cleanup RUN_ID."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.harness import Options, cleanup_run
from contracts.harness.runner import Runner, asgi_transport
from tests.contracts.harness.conftest import BASE_URL, SimApp

DEVICE_TYPES = ("createDeviceType", "getDeviceType", "updateDeviceType", "deleteDeviceType", "listDeviceTypes")


def device_type_names(sim_app: SimApp) -> list[str]:
    data = sim_app.client().get(BASE_URL + "/v1/device-types", params={"pageSize": 100}).json()["data"]
    return [item["name"] for item in data]


def kept_run(sim_app: SimApp) -> str:
    """A run that keeps what it made (as if it had been killed before its cleanup)."""
    report = sim_app.run(operations=DEVICE_TYPES, stateful=False, cleanup=False)
    names = device_type_names(sim_app)
    assert names and all(name.startswith(f"oh-{report.run_id}-") for name in names)
    return report.run_id


def test_cleanup_finishes_an_interrupted_run_from_its_ledger(sim_app: SimApp) -> None:
    run_id = kept_run(sim_app)
    report = cleanup_run(Options(base_url=BASE_URL, state_dir=str(sim_app.state_dir)), run_id, app=sim_app.app)
    assert report.cleanup.left == [] and report.cleanup.deleted
    assert device_type_names(sim_app) == []
    assert not (Path(sim_app.state_dir) / f"{run_id}.jsonl").exists()  # nothing left to finish


def test_cleanup_finds_what_the_ledger_missed_by_the_run_prefix(sim_app: SimApp) -> None:
    run_id = kept_run(sim_app)
    ledger_file = Path(sim_app.state_dir) / f"{run_id}.jsonl"
    ledger_file.write_text(ledger_file.read_text().splitlines()[0] + "\n")  # only the header survived the crash
    sim_app.create("/device-types", {"name": "not ours", "schema": {}})
    report = cleanup_run(Options(base_url=BASE_URL, state_dir=str(sim_app.state_dir)), run_id, app=sim_app.app)
    assert report.cleanup.left == [] and report.cleanup.deleted
    assert device_type_names(sim_app) == ["not ours"]


def test_a_run_that_crashes_still_deletes_what_it_created(sim_app: SimApp) -> None:
    options = Options(
        base_url=BASE_URL, seed=1, max_examples=3, state_dir=str(sim_app.state_dir), operations=DEVICE_TYPES
    )
    runner = Runner(options, asgi_transport(sim_app.app))
    created: list[int] = []

    def crash_after_a_create(operation_id: str | None, status: int | None) -> None:
        if operation_id == "createDeviceType" and status == 201 and not created:
            created.append(status)
            raise KeyboardInterrupt

    runner.wire.observers.append(crash_after_a_create)
    with pytest.raises(KeyboardInterrupt):
        runner.run()
    assert created
    assert runner.report.cleanup.deleted and runner.report.cleanup.left == []
    assert device_type_names(sim_app) == []
