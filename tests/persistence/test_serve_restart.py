"""`olt-sim serve --state-dir`: a restarted server resumes the world; kill -9 loses at most the last save."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from simulator.cli import main

SERVE = [
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
    "--clock",
    "manual",
]
SCHEMA = {"attributes": {"t": {"type": "number"}}}
RULES = [{"path": "$.attributes.t", "reportTo": ["timeseries"]}]


class Served:
    def __init__(self, proc: subprocess.Popen[str], banner: list[str]) -> None:
        self.proc, self.banner = proc, banner
        url = next(line.split()[-1] for line in banner if line.strip().startswith("API:"))
        token = next(banner[i + 1].strip() for i, line in enumerate(banner) if "Owner token" in line)
        self.api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        self.control = httpx.Client(base_url=url.removesuffix("/v1"), timeout=30)


@contextmanager
def serve(state_dir: Path, *extra: str) -> Iterator[Served]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    scenario = [] if "--scenario" in extra else ["--empty"]
    proc = subprocess.Popen(
        [*SERVE, *scenario, "--state-dir", str(state_dir), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    banner: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        banner.append(line.rstrip("\n"))
        if "Press Ctrl-C" in line:
            break
    else:
        proc.wait(30)
        raise AssertionError("the server did not start:\n" + "\n".join(banner))
    served = Served(proc, banner)
    try:
        yield served
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)
        served.api.close()
        served.control.close()


def wait_for_save(state_dir: Path, needle: str, timeout: float = 30) -> None:
    """Until world.json holds `needle` (the saver runs every --save-interval)."""
    world = state_dir / "world" / "world.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if world.exists() and needle in world.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{needle} was not saved within {timeout} s")


def test_a_restarted_server_resumes_the_world(tmp_path: Path) -> None:
    with serve(tmp_path) as first:
        assert any(f"new world in {tmp_path}" in line for line in first.banner)
        dtype = first.api.post("/device-types", json={"name": "S", "schema": SCHEMA, "reportingRules": RULES})
        type_id = dtype.json()["data"]["id"]
        device_id = first.api.post("/devices", json={"info": {"name": "kept", "deviceTypeId": type_id}}).json()["data"][
            "id"
        ]
        for value in (1, 2, 3):
            ingest = {"senderId": device_id, "deviceId": device_id, "type": "attributes", "value": {"t": value}}
            assert first.api.post("/data-ingest", json=ingest).status_code == 202
            first.control.post("/_sim/clock/advance", json={"seconds": 10})
        clock = first.control.get("/_sim/clock").json()["now"]
        wait_for_save(tmp_path, clock.replace("Z", ""))
        first.proc.send_signal(signal.SIGTERM)
        first.proc.wait(30)

    with serve(tmp_path) as second:
        assert f"resumed world from {tmp_path} (1 devices, 3 points)" in second.banner
        assert second.api.get(f"/devices/{device_id}").json()["data"]["info"]["name"] == "kept"
        assert second.control.get("/_sim/clock").json()["now"] == clock
        series = second.api.get(f"/devices/{device_id}/timeseries", params={"path": "$.attributes.t"})
        assert series.status_code < 500

    with serve(tmp_path, "--fresh") as third:
        assert not any("resumed" in line for line in third.banner)
        assert third.api.get(f"/devices/{device_id}").status_code == 404


def hammer(served: Served, device_id: str, stop: threading.Event, acked: list[tuple[float, int]]) -> None:
    """Ingest as fast as the server answers; note when each point was acknowledged."""
    count = 0
    while not stop.is_set():
        ingest = {"senderId": device_id, "deviceId": device_id, "type": "attributes", "value": {"t": count}}
        try:
            count += served.api.post("/data-ingest", json=ingest).status_code == 202
        except httpx.HTTPError:
            return
        acked.append((time.monotonic(), count))


def test_kill_9_during_writes_loses_at_most_the_last_save(tmp_path: Path) -> None:
    acknowledged_early, device_id = 0, ""
    for round_number in range(3):
        with serve(tmp_path, "--save-interval", "0.2") as served:
            if round_number == 0:
                dtype = served.api.post("/device-types", json={"name": "S", "schema": SCHEMA, "reportingRules": RULES})
                body = {"info": {"name": "busy", "deviceTypeId": dtype.json()["data"]["id"]}}
                device_id = served.api.post("/devices", json=body).json()["data"]["id"]
                wait_for_save(tmp_path, device_id)
            else:
                match = re.search(r"\((\d+) devices, (\d+) points\)", "\n".join(served.banner))
                assert match and int(match.group(1)) == 1
                assert int(match.group(2)) >= acknowledged_early
            acked: list[tuple[float, int]] = []
            stop = threading.Event()
            thread = threading.Thread(target=hammer, args=(served, device_id, stop, acked))
            thread.start()
            time.sleep(2.0)
            killed_at = time.monotonic()
            served.proc.send_signal(signal.SIGKILL)
            served.proc.wait(30)
            stop.set()
            thread.join(30)
            before = [count for at, count in acked if at <= killed_at - 1.5]  # generous: a loaded machine
            acknowledged_early += before[-1] if before else 0


def test_a_damaged_state_dir_is_one_line_and_exit_2(tmp_path: Path, capsys: object) -> None:
    world = tmp_path / "world"
    world.mkdir(parents=True)
    (world / "world.json").write_text("{trunc")
    assert (
        main(["serve", "--port", "0", "--mqtt-port", "0", "--mqtts-port", "0", "--empty", "--state-dir", str(tmp_path)])
        == 2
    )
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert err.count("\n") == 1 and "world.json is damaged" in err and "Traceback" not in err


def test_wrong_flags_are_one_line_and_exit_2(capsys: object) -> None:
    assert main(["serve", "--fresh", "--empty"]) == 2
    assert "--fresh needs --state-dir" in capsys.readouterr().err  # type: ignore[attr-defined]
    try:
        main(["serve", "--save-interval", "never"])
    except SystemExit as exit_:
        assert exit_.code == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "'never' is not a number of seconds" in err and "Traceback" not in err


def test_a_resumed_scenario_runs_on_with_its_saved_devices(tmp_path: Path) -> None:
    scenario = str(Path(__file__).parent / "ticking.toml")

    def count(served: Served) -> tuple[int, int]:
        devices = served.api.get("/devices", params={"pageSize": 100}).json()["data"]
        stored = served.control.get("/_sim/snapshot").json()["state"]["fields"]["timeseries"]["fields"]["devices"]
        points = sum(
            len(series["fields"]["times"])
            for tenant in stored.values()
            for by_path in tenant.values()
            for series in by_path.values()
        )
        return len(devices), points

    with serve(tmp_path, "--scenario", scenario) as first:
        first.control.post("/_sim/clock/advance", json={"seconds": 60})
        devices, points = count(first)
        assert devices == 3 and points > 0
        wait_for_save(tmp_path, '"name":"ticking"')
        first.proc.send_signal(signal.SIGTERM)
        first.proc.wait(30)

    with serve(tmp_path, "--scenario", scenario) as second:
        assert any("runs on with its saved devices" in line for line in second.banner), second.banner
        assert count(second) == (3, points)
        second.control.post("/_sim/clock/advance", json={"seconds": 60})
        assert count(second)[1] > points  # the adopted devices keep reporting
