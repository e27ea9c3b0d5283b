"""The functions behind `olt-sim scenario validate`, `olt-sim run` and `olt-sim serve --scenario`."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from simulator import scenario_cli as cli_support
from simulator.runtime import Simulator
from simulator.settings import Settings
from tests.scenario.conftest import SCENARIOS


def test_validate_accepts_the_examples_and_names_problems(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli_support.validate(SCENARIOS / "smart-office.toml", out, err) == 0
    assert "OK" in out.getvalue() and "21 devices" in out.getvalue() and not err.getvalue()
    broken = tmp_path / "broken.toml"
    broken.write_text('[scenario]\nname = "b"\n\n[fleets.x]\ndevice_type = "ghost"\ncount = "many"\n')
    out, err = io.StringIO(), io.StringIO()
    assert cli_support.validate(broken, out, err) == 1
    lines = err.getvalue().splitlines()
    assert f"{broken}:6: fleets.x.count: must be an integer, not a string ('many')" in lines
    assert not out.getvalue()


def test_run_stepped_prints_progress_and_a_summary() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli_support.run(SCENARIOS / "single-sensor.toml", "2h", "stepped", 5, out=out, err=err) == 0
    summary = out.getvalue()
    assert "scenario single-sensor: 2:00:00 simulated" in summary
    assert "messages 240" in summary and "accepted 240" in summary and "sensor" in summary
    progress = err.getvalue()
    assert "100.0%" in progress and "1/1 online" in progress and "seed 5" in progress


def test_run_refuses_bad_arguments() -> None:
    err = io.StringIO()
    assert cli_support.run(SCENARIOS / "single-sensor.toml", "forever", "stepped", out=io.StringIO(), err=err) == 2
    assert "not a duration" in err.getvalue()
    err = io.StringIO()
    assert cli_support.run(SCENARIOS / "single-sensor.toml", "1h", "warp", out=io.StringIO(), err=err) == 2
    assert cli_support.run("no/such/file.toml", err=io.StringIO(), out=io.StringIO()) == 1


def test_run_scaled_uses_the_real_server_and_mqtt() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli_support.run(SCENARIOS / "single-sensor.toml", "3m", "scaled:120", out=out, err=err) == 0
    assert "MQTT mqtt://127.0.0.1:" in err.getvalue()
    summary = out.getvalue()
    assert "(scaled:120 clock)" in summary
    sent = int(summary.split("messages ")[1].split()[0])
    accepted = int(summary.split("accepted ")[1].split()[0])
    assert 5 <= sent <= 7 and accepted == sent


def test_serve_loads_the_bundled_scenario_unless_told_otherwise() -> None:
    bundled = cli_support.serve_scenario(None)
    assert bundled is not None and bundled.info.name == "smart-office"
    assert cli_support.serve_scenario(None, empty=True) is None
    single = cli_support.serve_scenario(SCENARIOS / "single-sensor.toml")
    assert cli_support.serve_overrides(single) == {"clock": "realtime", "seed": 1}
    assert cli_support.serve_overrides(single, "scaled:10", 4) == {"clock": "scaled:10", "seed": 4}
    assert cli_support.serve_overrides(None) == {}


def test_start_in_server_drives_a_stepped_clock_to_the_duration() -> None:
    async def main() -> tuple[float, int]:
        sim = Simulator(Settings(clock="stepped", seed=1))
        scenario = cli_support.serve_scenario(SCENARIOS / "single-sensor.toml")
        stop = await cli_support.start_in_server(sim, scenario)
        for _ in range(400):
            await asyncio.sleep(0.01)
            if sim.clock.next_due() is None or sim.clock.time() >= sim.info["scenario"]["end"]:
                break
        elapsed = sim.clock.time() - sim.info["scenario"]["start"]
        await stop()
        return elapsed, len(sim.devices.devices_of(sim.world.tenant_id))

    elapsed, devices = asyncio.run(main())
    assert elapsed == 3600 and devices == 1
