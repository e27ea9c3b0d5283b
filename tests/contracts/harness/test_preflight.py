"""Preflight and progress: a target that cannot be tested is one clear line within seconds, exit 2;
a run shows what it is doing while it runs."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from contracts.harness.cli import main
from contracts.harness.progress import Progress
from contracts.harness.report import Report
from simulator.testing import SimHandle


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class NotOlt(BaseHTTPRequestHandler):
    """A web server that is not the OLT API: 404 for everything, and silent."""

    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<h1>not here</h1>")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def not_olt() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), NotOlt)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_cli(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, float]:
    started = time.monotonic()
    code = main([*args, "--state-dir", str(tmp_path), "--quiet"])
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    return code, captured.err + captured.out, elapsed


def test_nothing_listening_is_one_line_within_seconds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, elapsed = run_cli(["--base-url", f"http://127.0.0.1:{free_port()}", "--token", "t"], tmp_path, capsys)
    assert code == 2
    assert out.strip().count("\n") == 0 and "nothing answers at http://127.0.0.1:" in out, out
    assert "Traceback" not in out
    assert elapsed < 15
    assert not list(tmp_path.glob("*.jsonl"))  # no ledger left to clean up


def test_a_server_that_is_not_the_api_is_named(
    not_olt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["--base-url", not_olt, "--token", "t"], tmp_path, capsys)
    assert code == 2
    assert out.strip().count("\n") == 0 and "is not the OLT API" in out and "answered 404" in out, out


def test_a_refused_token_is_named(
    olt_sim_server: SimHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, elapsed = run_cli(["--base-url", olt_sim_server.base_url, "--token", "expired"], tmp_path, capsys)
    assert code == 2
    assert out.strip().count("\n") == 0 and "refused the token" in out and "401" in out, out
    assert elapsed < 15


def test_a_wrong_server_path_is_named(
    olt_sim_server: SimHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["--base-url", olt_sim_server.base_url + "/api/v2"], tmp_path, capsys)
    assert code == 2
    assert "is not the OLT API" in out and "/v1" in out, out


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--min-reached", "-1"], "--min-reached"), (["--operation", "listWidgets"], "no operation listWidgets")],
)
def test_wrong_run_options_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["--base-url", "http://127.0.0.1:1", *args], tmp_path, capsys)
    assert code == 2 and message in out and "Traceback" not in out


def test_min_reached_turns_a_shortfall_into_a_failure(
    olt_sim_server: SimHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--base-url", olt_sim_server.base_url, "--max-examples", "1", "--no-stateful", "--mode", "safe"]
    code, out, _ = run_cli(
        [*base, "--operation", "listDevices", "--operation", "createDevice", "--min-reached", "3"], tmp_path, capsys
    )
    assert code == 1, out
    assert "failed, 2/2 operations reached (fewer than the 3 required by --min-reached)" in out


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_live_line_on_a_terminal_and_plain_lines_elsewhere() -> None:
    report = Report("r", "http://x", "full", 0, 1)
    live, plain = Terminal(), io.StringIO()
    for stream in (live, plain):
        progress = Progress(report, "auto", stream)
        progress.phase("unit")
        progress.tick()  # within the interval: not shown again
        progress.phase("reach")
        progress.finish()
        report.observe("listDevices", 200)
    assert live.getvalue().count("\r") == 3
    assert "[reach] 0/125 operations done, 0 reached, 0 requests" in live.getvalue()
    assert plain.getvalue().splitlines() == [
        "[unit] 1/125 operations done, 1 reached, 1 requests, 0 failures, 0s",
        "[reach] 1/125 operations done, 1 reached, 1 requests, 0 failures, 0s",
    ]
    quiet = io.StringIO()
    Progress(report, "quiet", quiet).phase("unit")
    assert quiet.getvalue() == ""


def test_a_cli_run_prints_progress_lines_to_stderr(
    olt_sim_server: SimHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--base-url", olt_sim_server.base_url, "--max-examples", "1", "--no-stateful", "--operation", "listDevices"]
    assert main([*args, "--state-dir", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "[lifecycle]" in err and "[reach]" in err and "[unit]" in err
