"""Every way to switch variation on: serve flags, /_sim/vary, the scenario setting, the pytest option and marker."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from simulator.api.app import create_app
from simulator.cli import _settings, build_parser, main
from simulator.runtime import Simulator
from simulator.scenario.loader import ScenarioError, load_scenario
from simulator.scenario_cli import serve_overrides
from simulator.settings import Settings
from simulator.testing import SimHandle

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("flags", "says"),
    [(["--vary", "bogus"], "unknown variation kind 'bogus'"), (["--vary-plan", "zz"], "hex mask such as 0x5")],
)
def test_a_wrong_vary_flag_is_one_clear_line_and_exit_2(
    flags: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", *flags])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_serve_flags_become_settings() -> None:
    parse = build_parser().parse_args
    assert _settings(parse(["serve"])).vary == ""
    on = _settings(parse(["serve", "--vary", "--seed", "7"]))
    assert (on.vary, on.seed, on.vary_plan) == ("on", 7, None)
    planned = _settings(parse(["serve", "--vary", "omit,timestamps=0.8", "--vary-plan", "0x5"]))
    assert (planned.vary, planned.vary_plan) == ("omit,timestamps=0.8", 5)


def _session(settings: Settings) -> list[tuple[int, list[tuple[bytes, bytes]], bytes, list[str]]]:
    """A fixed sequence of requests on a fresh simulator: every response and its journal entry."""
    sim = Simulator(settings)
    app = create_app(sim)

    async def run() -> list[httpx.Response]:
        headers = {"Authorization": "Bearer " + sim.token_for_user("owner@example.com")}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/v1", headers=headers) as http:
            created = await http.post("/device-types", json={"name": "T", "schema": {}})
            type_id = created.json()["data"]["id"]
            device = await http.post("/devices", json={"info": {"name": "d", "deviceTypeId": type_id}})
            device_id = device.json()["data"]["id"]
            return [created, device, *[await http.get(p) for p in ("/devices", f"/devices/{device_id}", "/roles")]]

    responses = asyncio.run(run())
    journal = [entry.to_api()["variation"] for entry in sim.request_journal]
    return [(r.status_code, r.headers.raw, r.content, j) for r, j in zip(responses, journal, strict=True)]


def test_the_same_seed_replays_the_same_variation_and_another_seed_differs() -> None:
    settings = Settings(clock="manual", public_url="http://t", seed=7, vary="on")
    first, again = _session(settings), _session(settings)
    assert first == again
    assert any(journal for *_, journal in first)  # the journal says what was varied
    other = _session(Settings(clock="manual", public_url="http://t", seed=8, vary="on"))
    assert [r[2] for r in other] != [r[2] for r in first]


def test_a_plan_replays_exactly_what_a_seeded_run_applied() -> None:
    seeded = Simulator(Settings(clock="manual", public_url="http://t", seed=3, vary="on"))
    app = create_app(seeded)
    token = seeded.token_for_user("owner@example.com")

    async def read(app_: object) -> bytes:
        transport = httpx.ASGITransport(app=app_)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t/v1") as http:
            return (await http.get("/roles", headers={"Authorization": f"Bearer {token}"})).content

    body = asyncio.run(read(app))
    assert seeded.vary is not None
    planned = Simulator(
        Settings(clock="manual", public_url="http://t", seed=3, vary="on", vary_plan=seeded.vary.applied_plan())
    )
    assert asyncio.run(read(create_app(planned))) == body


def test_sim_vary_shows_sets_and_refuses_wrong_input(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    assert control.get("/_sim/vary").json()["enabled"] is False
    shown = control.put("/_sim/vary", json={"kinds": "omit,headers=1", "plan": "0x3"}).json()
    assert shown["enabled"] and shown["kinds"] == {"omit": 0.5, "headers": 1.0} and shown["plan"] == "0x3"
    assert control.get("/_sim/vary").json()["known"]["omit"]["defaultWeight"] == 0.5
    for wrong, says in [
        ({"kinds": "bogus"}, "unknown variation kind"),
        ({"kinds": {"omit": 2}}, "must be in [0, 1]"),
        ({"plan": "nope"}, "hex mask"),
        ({"seed": "x"}, "'seed' must be an integer"),
        ({"enabled": "yes"}, "true or false"),
        ({"colour": 1}, "unknown keys"),
    ]:
        refused = control.post("/_sim/vary", json=wrong)
        assert refused.status_code == 400, wrong
        assert says in refused.json()["errorMessage"]
    assert control.get("/_sim/vary").json()["plan"] == "0x3"  # a refused change changes nothing
    assert control.put("/_sim/vary", json={"enabled": False}).json()["enabled"] is False
    assert olt_sim.sim.vary is None


@pytest.mark.olt_vary(kinds="headers=1")
def test_the_marker_varies_this_test(olt_sim: SimHandle) -> None:
    response = olt_sim.client().get("/roles")
    assert response.headers["x-olt-sim-extra"] == "ignore-me"
    assert any(name != name.lower() for name, _ in response.headers.raw)


def test_without_the_marker_nothing_varies(olt_sim: SimHandle) -> None:
    assert "x-olt-sim-extra" not in olt_sim.client().get("/roles").headers


def test_the_scenario_setting(tmp_path: Path) -> None:
    base = (ROOT / "scenarios" / "single-sensor.toml").read_text()
    good = tmp_path / "good.toml"
    good.write_text(base.replace('duration = "1h"', 'duration = "1h"\nvary = "omit,-headers"'))
    assert serve_overrides(load_scenario(good))["vary"] == "omit,-headers"
    bad = tmp_path / "bad.toml"
    bad.write_text(base.replace('duration = "1h"', 'duration = "1h"\nvary = "sometimes"'))
    with pytest.raises(ScenarioError, match="unknown variation kind 'sometimes'"):
        load_scenario(bad)


def test_the_pytest_option_varies_every_olt_sim_test(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent("""
        def test_reads(olt_sim):
            assert olt_sim.client().get("/roles").headers["x-olt-sim-extra"] == "ignore-me"
    """)
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--olt-vary=headers=1", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
