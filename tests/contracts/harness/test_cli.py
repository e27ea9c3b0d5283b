"""`olt-sim contract` against the simulator on real sockets: runs, reports, cleanup, client reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contracts.harness.cli import main
from simulator.testing import SimHandle


def timeseries_args() -> list[str]:
    args: list[str] = []
    for op in ("createTimeseries", "getTimeseries", "listTimeseries", "deleteTimeseries"):
        args += ["--operation", op]
    return args


def test_a_run_prints_the_table_and_writes_junit_html_and_json(
    olt_sim_server: SimHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, html, data = tmp_path / "junit.xml", tmp_path / "report.html", tmp_path / "report.json"
    base = ["--base-url", olt_sim_server.base_url, "--seed", "3", "--max-examples", "2", "--state-dir", str(tmp_path)]
    code = main([*base, *timeseries_args(), "--junit-xml", str(junit), "--report", str(html), "--no-stateful"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "createTimeseries" in out and "full mode" in out
    suite = ET.parse(junit).getroot()
    assert suite.get("name") == "olt-contract" and suite.get("failures") == "0"
    cases = {case.get("name", "").split(" ")[0]: case for case in suite.iter("testcase")}
    assert cases["getTimeseries"].find("failure") is None and cases["getTimeseries"].find("skipped") is None
    assert set(cases) == {"createTimeseries", "getTimeseries", "listTimeseries", "deleteTimeseries"}  # only those
    assert "listDevices" not in out
    assert "passed, 4/4 operations reached" in out
    page = html.read_text()
    assert page.startswith("<!doctype html>") and "getTimeseries" in page and "<link" not in page
    assert main([*base, *timeseries_args(), "--report", str(data), "--no-stateful"]) == 0
    report = json.loads(data.read_text())
    assert report["ok"] is True
    assert any(op["operation_id"] == "getTimeseries" and op["requests"] > 0 for op in report["operations"])


def test_cleanup_of_a_kept_run(olt_sim_server: SimHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--base-url", olt_sim_server.base_url, "--state-dir", str(tmp_path)]
    run = [*base, *timeseries_args(), "--max-examples", "2", "--no-stateful", "--no-cleanup", "--run-id", "kept1"]
    assert main(run) == 0
    api = olt_sim_server.client()
    assert any(t["name"].startswith("oh-kept1-") for t in api.get("/timeseries").json()["data"])
    capsys.readouterr()
    assert main(["--cleanup", "kept1", "--state-dir", str(tmp_path)]) == 0  # base URL from the ledger
    assert "left behind" not in capsys.readouterr().out.replace("0 left behind", "")
    assert not any(t["name"].startswith("oh-kept1-") for t in api.get("/timeseries").json()["data"])


def test_the_client_report_lists_violations_per_operation(
    olt_sim_server: SimHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    api = olt_sim_server.client()
    assert api.get("/devices").status_code == 200
    assert main(["--client-report", "--base-url", olt_sim_server.base_url]) == 0
    assert "0 non-conforming requests out of 1" in capsys.readouterr().out
    api.post("/devices", json={"info": {"name": 5}})
    assert main(["--client-report", "--base-url", olt_sim_server.api_url]) == 1
    out = capsys.readouterr().out
    assert "createDevice" in out and "body.info" in out and "1 non-conforming requests out of 2" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--base-url"),
        (["--base-url", "relative/path"], "absolute"),
        (["--base-url", "http://x", "--token", "t", "--client-id", "c", "--client-secret", "s"], "not both"),
        (["--base-url", "http://x", "--max-examples", "0"], "max-examples"),
        (["--client-report"], "--base-url"),
        (["--cleanup", "nosuchrun", "--state-dir", "/nonexistent"], "no ledger"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_the_client_report_leaves_out_the_harness_own_requests(
    olt_sim_server: SimHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api = olt_sim_server.client()
    api.post("/devices", json={"info": {"name": 5}})  # the client's one mistake, sent twice
    api.post("/devices", json={"info": {"name": 5}})
    run = ["--base-url", olt_sim_server.base_url, "--state-dir", str(tmp_path), "--max-examples", "2"]
    assert main([*run, *timeseries_args(), "--no-stateful"]) == 0  # sends invalid inputs on purpose
    journal = api.get(olt_sim_server.base_url + "/_sim/requests").json()["data"]
    assert any(entry["harness"] and entry["violations"] for entry in journal)
    capsys.readouterr()
    assert main(["--client-report", "--base-url", olt_sim_server.base_url]) == 1
    out = capsys.readouterr().out
    assert "2 non-conforming requests out of 2" in out
    assert "Timeseries" not in out  # none of the harness's requests
    assert out.count("body.info.name:") == 1 and "(x2)" in out  # listed once, with its count


def test_full_mode_against_the_simulator_reaches_every_operation(
    olt_sim_server: SimHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Over real sockets (the stream operations' 101 handshakes included); the default --min-reached
    is every operation, so a shortfall would fail the run."""
    junit, page = tmp_path / "junit.xml", tmp_path / "report.html"
    args = [
        "--base-url",
        olt_sim_server.base_url,
        "--state-dir",
        str(tmp_path),
        "--max-examples",
        "1",
        "--no-stateful",
        "--quiet",
        "--junit-xml",
        str(junit),
        "--report",
        str(page),
    ]
    code = main(args)
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    assert "passed, 125/125 operations reached" in out
    cases = {case.get("name", "").split(" ")[0]: case for case in ET.parse(junit).getroot().iter("testcase")}
    stream = cases["connectStream"].findtext("system-out") or ""
    assert "success reached: yes" in stream and "101x1" in stream and "websocket_handshake" in stream
    assert "response_schema_conformance" in (cases["getDeviceCertificate"].findtext("system-out") or "")
    assert "passed, 125/125 operations reached" in page.read_text() and "checks run" in page.read_text()


def test_record_into_a_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["--base-url", "http://127.0.0.1:1", "--record", str(tmp_path / "file")]) == 2
    assert "--record needs a directory" in capsys.readouterr().err
