"""The pytest plugin as a user's test suite meets it (pytester): options, fixtures, marker, failure messages."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator

import pytest

from simulator import olt_simulator
from simulator.scenario_lookup import bundled_dir
from simulator.testing import SimHandle
from tests.cli.conftest import WITHOUT_CONTRACT_EXTRA

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(scope="module")
def running() -> Iterator[SimHandle]:
    """A simulator on real sockets, standing in for `olt-sim serve` (and for 'another deployment')."""
    with olt_simulator(seed=3, server=True) as sim:
        yield sim


def test_options_are_listed_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    for option in (
        "--olt-sim-seed",
        "--olt-sim-url=URL",
        "--olt-target=URL",
        "--olt-token=TOKEN",
        "--olt-client-conformance",
    ):
        result.stdout.fnmatch_lines([f"*{option}*"])


def test_seed_option_and_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        def test_in_process(olt_sim):
            assert olt_sim.sim.settings.seed == 5
            assert olt_sim.client().get("/device-types").status_code == 200

        def test_on_sockets(olt_sim_server, make_device):
            assert olt_sim_server.base_url.startswith("http://127.0.0.1:")
            assert make_device(name="Lamp")["info"]["name"] == "Lamp"
    """)
    pytester.runpytest("--olt-sim-seed", "5").assert_outcomes(passed=2)


def test_marker_finds_bundled_scenarios_by_name_and_paths_relative_to_the_test(pytester: pytest.Pytester) -> None:
    sub = pytester.mkdir("suite")
    shutil.copy(bundled_dir() / "single-sensor.toml", sub / "my-sensor.toml")
    (sub / "test_scenarios.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.olt_scenario('smart-office')\n"
        "def test_by_name(olt_sim):\n"
        "    assert olt_sim.scenario.scenario.info.name == 'smart-office'\n\n"
        "@pytest.mark.olt_scenario('my-sensor.toml')\n"
        "def test_relative_to_this_file(olt_sim):\n"
        "    assert olt_sim.scenario is not None\n\n"
        "@pytest.mark.olt_scenario('smart-offices')\n"
        "def test_unknown_name(olt_sim):\n"
        "    pass\n"
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*smart-offices*no bundled scenario of that name (bundled: *smart-office*"])


def test_an_http_error_shows_the_olt_error_code_message_and_details(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        def test_raise(olt_sim):
            olt_sim.client().post("/device-types", json={"schema": {}}).raise_for_status()

        def test_assert(olt_sim):
            response = olt_sim.client().get("/devices/00000000-0000-4000-8000-000000000000")
            assert response.status_code == 200, response
    """)
    result = pytester.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*OltHTTPError: POST http://testserver/v1/device-types -> 400 Bad Request: "
            "BAD_REQUEST: *details: [[]{*name*",
            "*<Response [[]404 Not Found] NOT_FOUND: *",
        ]
    )


def test_conformance_reports_each_violation_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        def test_client(olt_sim):
            api = olt_sim.client(check_contract=False)
            for _ in range(3):
                api.post("/device-types", json={"schema": {}})
    """)
    result = pytester.runpytest("--olt-client-conformance", "-rN")  # no short summary: CI=true prints it whole
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "the client sent 3 request(s) that break the OLT contract" in text
    assert text.count("POST /v1/device-types (createDeviceType) -> 400") == 1
    assert "(sent 3 times)" in text


def test_sim_url_runs_server_tests_against_a_running_simulator(pytester: pytest.Pytester, running: SimHandle) -> None:
    pytester.makepyfile(f"""
        import pytest

        def test_creates(olt_sim_server, make_device_type):
            assert olt_sim_server.base_url == "{running.base_url}"
            make_device_type(name="Remote lamp")
            olt_sim_server.advance(60)
            assert olt_sim_server.client().get("/device-types").json()["meta"]["itemsTotal"] == 1

        def test_was_reset(olt_sim_server):
            assert olt_sim_server.client("reader@example.com").get("/device-types").json()["meta"]["itemsTotal"] == 0

        def test_in_process_only(olt_sim_server):
            olt_sim_server.sim
    """)
    result = pytester.runpytest("--olt-sim-url", running.base_url, "-rs")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*the handle's .sim needs the simulator in this process*"])


def test_target_runs_client_tests_against_another_deployment(pytester: pytest.Pytester, running: SimHandle) -> None:
    token = running.token()
    pytester.makepyfile("""
        def test_client_code(olt_sim):
            api = olt_sim.client()
            assert api.get("/device-types").status_code == 200
            assert olt_sim.tenant_id

        def test_simulator_helper(olt_sim):
            olt_sim.advance(60)
    """)
    result = pytester.runpytest("--olt-target", running.base_url, "--olt-token", token, "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines([f"*/_sim/clock/advance needs the simulator; --olt-target {running.base_url} is*"])
    pytester.runpytest("--olt-target", running.base_url).stderr.fnmatch_lines(["*--olt-target needs --olt-token*"])


def test_the_plugin_registers_without_importing_the_broker_uvicorn_or_schemathesis(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import sys

        HEAVY = ("amqtt", "uvicorn", "schemathesis", "hypothesis", "simulator.runtime", "starlette")

        def test_nothing_heavy_before_a_fixture(request):
            assert request.config.pluginmanager.hasplugin("olt_sim")
            assert [name for name in HEAVY if name in sys.modules] == []

        def test_loaded_once_needed(olt_sim):
            assert "simulator.runtime" in sys.modules
    """)
    # schemathesis' own pytest plugin (installed with it) imports schemathesis and hypothesis: not ours to judge.
    result = pytester.runpytest_subprocess("-p", "no:schemathesis", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=2)


def test_fixtures_work_without_the_contract_extra(pytester: pytest.Pytester) -> None:
    """A project that installs olt-simulator without [contract] has no schemathesis, hypothesis or requests."""
    pytester.makepyfile(
        test_client="""
        def test_client(olt_sim_server):
            assert olt_sim_server.client().get("/device-types").status_code == 200
    """
    )
    code = (
        WITHOUT_CONTRACT_EXTRA + "import pytest\n"
        "sys.exit(pytest.main(['-q', '-p', 'no:schemathesis', '-p', 'no:hypothesispytest', "
        "'--olt-client-conformance', 'test_client.py']))\n"
    )
    result = pytester.run(sys.executable, "-c", code, timeout=120)
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["*1 passed*"])
