"""`olt-sim serve` prints what a user needs, serves it, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from simulator.cli import main


def read_banner(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Press Ctrl-C") or time.monotonic() > deadline:
            break
    return "".join(lines)


def test_serve_prints_urls_and_a_working_token_then_stops_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator.cli",
            "serve",
            "--port",
            "0",
            "--mqtt-port",
            "0",
            "--mqtts-port",
            "0",
            "--empty",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = read_banner(proc)
        api = re.search(r"API:\s+(http://127\.0\.0\.1:\d+/v1)", banner)
        token = re.search(r"Owner token.*\n\s+(\S+)", banner)
        secret = re.search(r"Script client: id (\S+) secret (\S+)", banner)
        assert api and token and secret, banner
        response = httpx.get(f"{api.group(1)}/device-types", headers={"Authorization": f"Bearer {token.group(1)}"})
        assert response.status_code == 200, response.text
        assert httpx.get(f"{api.group(1)}/device-types").status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, output
    assert "stopped" in output


def test_token_command_reports_an_unreachable_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--url", "http://127.0.0.1:9"]) == 2
    assert "cannot reach" in capsys.readouterr().err


def test_token_command_mints_from_a_running_simulator(
    olt_sim_server: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.testing import SimHandle

    assert isinstance(olt_sim_server, SimHandle)
    assert main(["token", "--user", "writer@example.com", "--url", olt_sim_server.base_url]) == 0
    token = capsys.readouterr().out.strip()
    claims = olt_sim_server.call(lambda: olt_sim_server.sim.tokens.verify(token))
    assert claims["sub"] == olt_sim_server.world.users["writer@example.com"]
