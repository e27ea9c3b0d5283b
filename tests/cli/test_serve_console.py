"""A real `olt-sim serve`: request lines on the console, the server file client commands use, --quiet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests.cli.conftest import ROOT, cli_env


def olt_sim(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *argv],
        capture_output=True,
        text=True,
        env=cli_env(**env),
        cwd=ROOT,
        timeout=60,
    )


def test_request_lines_and_discovery_through_the_state_dir(serve, tmp_path: Path) -> None:
    state = tmp_path / "state"
    served = serve(
        "--empty", "--state-dir", str(state), "--log-format", "json", "--cors-origin", "https://app.example.com"
    )
    record = served.wait_for_file(state / "server.json")
    base = str(record["baseUrl"])
    served.wait_for_output("Press Ctrl-C to stop.")

    token = olt_sim("token", "--state-dir", str(state))
    assert token.returncode == 0, token.stderr
    owner = {"Authorization": f"Bearer {token.stdout.strip()}"}
    assert httpx.get(f"{base}/v1/device-types", headers=owner).status_code == 200
    assert httpx.post(f"{base}/v1/device-types", headers=owner, json={"schema": {}}).status_code == 400
    preflight = httpx.options(
        f"{base}/v1/devices", headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.headers.get("access-control-allow-origin") == "https://app.example.com"

    health = olt_sim("health", env_url := "--url", base)
    assert health.returncode == 0 and json.loads(health.stdout)["ready"] is True, (env_url, health.stderr)
    assert olt_sim("token", OLT_SIM_URL=base).returncode == 0

    output = served.wait_for_output('"path": "/_sim/health"')
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{") and '"status"' in line]
    by_request = {(line["method"], line["path"], line["status"]): line for line in lines}
    good = by_request[("GET", "/v1/device-types", 200)]
    assert good["violations"] == 0 and good["ms"] >= 0
    assert by_request[("POST", "/v1/device-types", 400)]["violations"] >= 1
    assert by_request[("POST", "/_sim/tokens", 200)]["level"] == "info"

    runtime_file = tmp_path / "runtime" / "olt-sim" / "server.json"
    assert served.wait_for_file(runtime_file) == record  # client commands find it without --state-dir too
    assert served.stop() == 0
    assert not (state / "server.json").exists() and not runtime_file.exists()
    assert "stopped" in served.output()


def test_quiet_prints_nothing_but_the_token_still_finds_the_server(serve, tmp_path: Path) -> None:
    served = serve("--empty", "--quiet")
    record = served.wait_for_file(tmp_path / "runtime" / "olt-sim" / "server.json")
    token = olt_sim("token", XDG_RUNTIME_DIR=str(tmp_path / "runtime"))
    assert token.returncode == 0, token.stderr
    assert (
        httpx.get(
            f"{record['baseUrl']}/v1/device-types", headers={"Authorization": f"Bearer {token.stdout.strip()}"}
        ).status_code
        == 200
    )
    assert served.stop() == 0
    assert served.output().strip() == ""


def test_text_lines_by_default_and_warning_level_keeps_only_violations(serve, tmp_path: Path) -> None:
    served = serve("--empty", "--log-level", "warning", OLT_SIM_STATE_DIR=str(tmp_path / "s"))
    base = str(served.wait_for_file(tmp_path / "s" / "server.json")["baseUrl"])
    served.wait_for_output("Press Ctrl-C to stop.")
    httpx.get(f"{base}/_sim/health")
    httpx.get(f"{base}/v1/device-types")  # no token: 401, a violation of the client
    output = served.wait_for_output("GET /v1/device-types 401")
    assert "1 contract violation" in output
    assert "GET /_sim/health 200" not in output
