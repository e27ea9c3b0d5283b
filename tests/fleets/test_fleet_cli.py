"""`olt-sim fleet` against a simulator over its public surfaces: REST provisioning, MQTT devices."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.core.events import DataReported
from simulator.server import ThreadedServer
from tests.mqtt.conftest import wait_for

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "load-10k.toml"


@pytest.mark.parametrize("tls", [False, True])
def test_fleet_provisions_over_rest_and_reports_over_mqtt(
    server: ThreadedServer, capsys: pytest.CaptureFixture[str], tls: bool
) -> None:
    sim = server.sim
    accepted: list[str] = []
    server.call(lambda: sim.bus.subscribe(DataReported, lambda event: accepted.append(event.device_id)))
    argv = [
        "fleet",
        str(SCENARIO),
        "--target",
        server.base_url,
        "--count",
        "12",
        "--workers",
        "2",
        "--seconds",
        "2",
        "--every",
        "1",
        "--json",
    ] + (["--tls"] if tls else [])
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    total = summary["total"]
    assert len(summary["workers"]) == 2
    assert (total["devices"], total["connected"], total["refused"]) == (12, 12, 0)
    assert total["sent"] >= 12 and total["acked"] == total["sent"]
    wait_for(lambda: len(accepted) >= total["sent"], what="every message accepted")
    assert len(set(accepted)) == 12
    names = server.call(lambda: sorted(d.name for d in sim.devices.store.devices[sim.world.tenant_id].values()))
    assert "Tracker 00001" in names and "Tracker 00012" in names


def test_a_target_that_is_not_there_is_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator.cli",
            "fleet",
            str(SCENARIO),
            "--target",
            "http://127.0.0.1:9",
            "--count",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("olt-sim fleet: http://127.0.0.1:9")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("bad", [["--mqtt", "nonsense"], ["--mqtt", "host:70000"], ["--workers", "0"]])
def test_wrong_arguments_exit_2_with_one_line(bad: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulator.cli", "fleet", str(SCENARIO), "--target", "http://127.0.0.1:9", *bad],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("olt-sim fleet: error: argument")
    assert "Traceback" not in result.stderr
