"""The README's commands, run as a new user would: its fenced `sh` blocks, extracted and executed.

Each ```sh block is run, in order, in one bash session (a second terminal beside `olt-sim serve`),
unless its info string says otherwise: `setup` (install steps: compared with .ci/run, which runs
them on a fresh machine), `serve` (started here on free ports), `no-run: <reason>`.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from simulator import olt_simulator
from simulator.scenario.loader import load_scenario
from simulator.scenario_lookup import bundled_dir
from tests.cli.conftest import Served, cli_env

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```sh(?P<info>[^\n]*)\n(?P<body>.*?)^```", re.M | re.S)
DEFAULT = "http://127.0.0.1:8080"


def blocks() -> list[tuple[str, str]]:
    return [(m["info"].strip(), m["body"]) for m in BLOCK.finditer(README)]


def test_every_sh_block_is_run_or_says_why_not() -> None:
    found = blocks()
    assert len(found) >= 6
    for info, body in found:
        assert info in ("", "setup", "serve") or re.fullmatch(r"no-run: \S.*", info), (info, body)
    # the front door: one command installs and starts the simulator, one runs the tests
    assert [body.strip() for info, body in found if info == "serve"] == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[dev]' && olt-sim serve"
    ]
    assert any(body.strip() == ". .venv/bin/activate && python -m pytest -q" for _, body in found)


def test_setup_matches_what_ci_runs_on_a_fresh_machine() -> None:
    setup = "".join(body for info, body in blocks() if info in ("setup", "serve"))
    ci = (ROOT / ".ci" / "run").read_text()
    readme_packages = set(shlex.split(re.search(r"apt-get install -y ([^\n&]+)", setup)[1]))  # type: ignore[index]
    ci_packages = set(shlex.split(re.search(r"apt-get install -y -qq ([^>\n]+)", ci)[1]))  # type: ignore[index]
    assert ci_packages <= readme_packages, "the README must name every system package CI installs"
    assert readme_packages - ci_packages <= {"python3-venv", "git"}  # CI already has its checkout and venv
    assert "git clone" in setup and "&& cd olt-simulator" in setup
    assert "python3 -m venv .venv" in setup and "python3 -m venv .venv" in ci
    assert "pip install -e '.[dev]'" in setup and "pip install -q -e '.[dev]'" in ci


def test_the_seeded_world_table_is_the_world_serve_starts() -> None:
    bundled = load_scenario(bundled_dir() / "smart-office.toml")
    assert f"bundled smart-office scenario, whose seed is **{bundled.info.seed}**" in README
    with olt_simulator(seed=bundled.info.seed, scenario="smart-office") as sim:
        world = sim.world
        expected = [world.tenant_id, world.script_client_id, world.script_client_secret, world.browser_client_id]
        emails = sim.call(lambda: sorted(u.email for u in sim.sim.state.users.users.values()))
    table = README[README.index("## The seeded world") : README.index("## `olt-sim serve`")]
    for value in expected:
        assert f"`{value}`" in table, f"{value} is missing from the README's seeded-world table"
    assert sorted(re.findall(r"^\| user `([^`]+)`", table, re.M)) == emails


@pytest.mark.timeout(600)
def test_the_readme_commands_work_against_olt_sim_serve(tmp_path: Path) -> None:
    env = cli_env(XDG_RUNTIME_DIR=str(tmp_path / "runtime"))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    work = tmp_path / "work"
    work.mkdir()
    (work / "scenarios").symlink_to(ROOT / "scenarios")
    served = Served(["--port", "0", "--mqtt-port", "0", "--mqtts-port", "0"], env, tmp_path / "serve.log")
    try:
        record = served.wait_for_file(tmp_path / "runtime" / "olt-sim" / "server.json")
        base, mqtts = str(record["baseUrl"]), str(record["mqttsUrl"]).rsplit(":", 1)[1]
        script = ["set -euo pipefail"]
        for number, (info, body) in enumerate(blocks()):
            if info == "":
                text = body.replace(DEFAULT, base).replace("-p 8883", f"-p {mqtts}")
                text = text.replace(". .venv/bin/activate", ": activate the venv  # (this test's Python is on PATH)")
                script += [f"echo '=== block {number}'", text]
        done = subprocess.run(
            ["bash", "-c", "\n".join(script)], cwd=work, env=env, capture_output=True, text=True, timeout=500
        )
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n--- serve:\n{served.output()[-3000:]}"
    finally:
        served.stop()
    out = done.stdout
    assert '"ready":true' in out
    assert '"name":"Lamp"' in out  # the quick start's device type
    assert "implemented " in out and "/125" in out
    assert '"brightness":40' in out  # the MQTTS recipe's report reached the device's state
    assert "smart-office" in out and "OK" in out


def test_licence_matches_pyproject_and_the_changelog_names_this_version() -> None:
    import tomllib

    from simulator.version import __version__

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text()
