"""The drift report: a session recorded with --record, replayed against a simulator.

A recording of the simulator replayed against the simulator shows no drift; a recording of a
simulator with planted differences (a changed status, an extra field, another error code) shows
exactly those, per operation; secrets never reach the recording.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contracts.harness import Options, run
from contracts.harness.cli import main as contract_main
from contracts.harness.drift_cli import main as drift_main
from contracts.harness.recording import load
from simulator.api.app import create_app
from simulator.runtime import Simulator
from simulator.settings import Settings
from simulator.testing import SimHandle
from tests.contracts.harness.conftest import BASE_URL, TIMESERIES, SimApp
from tests.contracts.harness.faults import Receive, Scope, Send, answer, call_inner

SEED = 5


def fresh_app() -> Any:
    return create_app(Simulator(Settings(clock="manual", public_url=BASE_URL)))


def record(sim_app: SimApp, directory: Path, app: Any = None, **options: Any) -> None:
    settings = {
        "base_url": BASE_URL,
        "seed": SEED,
        "max_examples": 2,
        "state_dir": str(sim_app.state_dir),
        "record": str(directory),
        "rate": 1000,
        "budget": 100_000,
        **options,
    }
    report = run(Options(**settings), app=app or sim_app.app)
    assert report.findings == [] or app is not None, report.summary()


class Planted:
    """The simulator with three differences: getTimeseries answers 203, listTimeseries items carry an
    extra field, and a missing timeseries is TIMESERIES_NOT_FOUND instead of NOT_FOUND."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/timeseries"):
            await self.app(scope, receive, send)
            return
        status, headers, body = await call_inner(self.app, scope, receive)
        item = scope["path"].count("/") == 3 and scope["method"] == "GET"
        if item and status == 200:
            status = 203
        elif item and status == 404:
            data = json.loads(body)
            data["errorCode"] = "TIMESERIES_NOT_FOUND"
            body = json.dumps(data).encode()
        elif scope["path"] == "/v1/timeseries" and scope["method"] == "GET" and status == 200:
            data = json.loads(body)
            for entry in data["data"]:
                entry["archived"] = False
            body = json.dumps(data).encode()
        await answer(send, status, body, headers)


def drift(directory: Path, tmp_path: Path, *extra: str, app: Any = None) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "drift.json"
    code = drift_main(
        [str(directory), "--json", str(out), "--html", str(tmp_path / "drift.html"), *extra],
        app_factory=lambda: app or fresh_app(),
    )
    return code, json.loads(out.read_text())


def differences(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(op["operationId"], d["kind"], d["detail"]) for op in report["operations"] for d in op["differences"]}


def test_the_simulator_replayed_against_itself_has_no_drift(
    sim_app: SimApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(sim_app, tmp_path / "rec")
    session, exchanges = load(tmp_path / "rec")
    assert session.mode == "safe" and len(exchanges) > 100  # safe mode unless asked otherwise
    code, report = drift(tmp_path / "rec", tmp_path)
    assert code == 0, capsys.readouterr().out
    assert report["drift"] == 0 and differences(report) == set()
    assert report["facts"]["summary"]["confirmed"] > 0 and report["facts"]["summary"]["contradicted"] == 0
    assert (tmp_path / "drift.html").read_text().startswith("<!doctype html>")


def test_secrets_are_scrubbed_and_ids_kept(sim_app: SimApp, tmp_path: Path) -> None:
    record(sim_app, tmp_path / "rec", mode="full")  # full mode: applications, secrets and tokens included
    text = (tmp_path / "rec" / "recording.jsonl").read_text()
    session, exchanges = load(tmp_path / "rec")
    assert session.tenant_id and session.tenant_id in text  # ids are kept
    assert sim_app.token() not in text and "Bearer ey" not in text and "eyJhbGciOi" not in text
    secrets = [e for e in exchanges if e.operation_id == "createApplication" and e.status == 201]
    assert secrets and all(e.response_body["data"]["oauth2Client"]["secret"] == "***" for e in secrets)
    tokens = [e for e in exchanges if e.operation_id == "createToken" and e.status == 200]
    assert tokens and all(e.response_body["access_token"] == "***" for e in tokens)
    assert all(e.request_body["form"]["client_secret"] == "***" for e in tokens)


def test_planted_differences_are_reported_per_operation(sim_app: SimApp, tmp_path: Path) -> None:
    record(sim_app, tmp_path / "rec", app=Planted(sim_app.app), operations=TIMESERIES, stateful=False)
    code, report = drift(tmp_path / "rec", tmp_path)
    assert code == 1
    found = differences(report)
    assert ("getTimeseries", "status", "203 in the recording, 200 in the simulator") in found
    assert ("listTimeseries", "field", "$.data[].archived only in the recording") in found
    assert ("getTimeseries", "error code", "TIMESERIES_NOT_FOUND in the recording, NOT_FOUND in the simulator") in found
    assert {op for op, _, _ in found} == {"getTimeseries", "listTimeseries"}, found
    facts = {f["pointer"]: f for f in report["facts"]["items"]}
    assert any(f["verdict"] == "contradicted" for f in facts.values())  # 203 is no status of getTimeseries
    assert drift(tmp_path / "rec", tmp_path, "--max-drift", "100")[0] == 0


def test_record_and_drift_from_the_cli_over_http(
    olt_sim_server: SimHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "--base-url",
        olt_sim_server.base_url,
        "--state-dir",
        str(tmp_path),
        "--max-examples",
        "2",
        "--quiet",
        "--no-stateful",
        "--record",
        str(tmp_path / "rec"),
    ]
    for op in TIMESERIES:
        args += ["--operation", op]
    assert contract_main(args) == 0
    assert "safe mode" in capsys.readouterr().out
    code = drift_main([str(tmp_path / "rec"), "--base-url", olt_sim_server.api_url])
    out = capsys.readouterr().out
    assert code == 0 and "0 differences" in out, out


@pytest.mark.parametrize(
    ("args", "message"),
    [(["/nonexistent"], "no recording in /nonexistent"), (["/tmp", "--max-drift", "-1"], "--max-drift")],
)
def test_drift_usage_errors_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert drift_main(args, app_factory=fresh_app) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_olt_sim_drift_is_a_cli_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli import main as olt_sim

    assert olt_sim(["drift", str(tmp_path)]) == 2
    assert "no recording in" in capsys.readouterr().err
