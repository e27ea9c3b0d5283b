"""Every flag: a --help line with its default and variable; values from the environment and a config file."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import build_parser
from simulator.cli_options import apply_defaults, configurable, env_name, subcommands
from simulator.version import __version__
from tests.cli.conftest import ROOT, cli_env


def parse(argv: list[str], environ: dict[str, str]) -> argparse.Namespace:
    parser = build_parser()
    return parser.parse_args(apply_defaults(parser, argv, environ))


def test_every_option_of_every_command_has_a_help_sentence_and_an_environment_variable() -> None:
    for command, parser in subcommands(build_parser()):
        text = parser.format_help()
        for action in configurable(parser):
            assert action.help, f"olt-sim {' '.join(command)} {action.option_strings[0]} has no help"
            assert f"[env {env_name(action)}]" in " ".join(text.split()), (command, action.dest)


def test_help_shows_defaults(olt_cli) -> None:
    help_text = " ".join(olt_cli("serve", "--help").out.split())
    assert "--port PORT HTTP port (0 picks a free one) (default: 8080) [env OLT_SIM_PORT]" in help_text
    assert "(default: info)" in help_text


def test_version_from_the_cli_and_python_m() -> None:
    for command in (["-m", "simulator", "--version"], ["-m", "simulator.cli", "--version"]):
        done = subprocess.run(
            [sys.executable, *command], capture_output=True, text=True, env=cli_env(), cwd=ROOT, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"olt-sim {__version__}"


def test_environment_sets_every_kind_of_flag() -> None:
    args = parse(
        ["serve"],
        {
            "OLT_SIM_PORT": "9090",
            "OLT_SIM_SEED": "7",
            "OLT_SIM_EMPTY": "true",
            "OLT_SIM_CORS_ORIGIN": "https://a.example, https://b.example",
            "OLT_SIM_CLOCK": "scaled:5",
            "OLT_SIM_LOG_FORMAT": "json",
        },
    )
    assert (args.port, args.seed, args.empty, args.clock, args.log_format) == (9090, 7, True, "scaled:5", "json")
    assert args.cors_origin == ["https://a.example", "https://b.example"]
    assert parse(["token"], {"OLT_SIM_URL": "http://sim:1"}).url == "http://sim:1"


def test_command_line_beats_environment_beats_config_file(tmp_path: Path) -> None:
    config = tmp_path / "olt-sim.toml"
    config.write_text(
        'port = 7000\nseed = 3\n[serve]\nmqtt-port = 0\ncors-origin = ["https://c.example"]\nquiet = true\n'
    )
    args = parse(["serve", "--config", str(config), "--seed", "5"], {"OLT_SIM_PORT": "7001"})
    assert (args.port, args.seed, args.mqtt_port, args.quiet) == (7001, 5, 0, True)
    assert args.cors_origin == ["https://c.example"]
    assert parse(["serve"], {"OLT_SIM_CONFIG": str(config)}).port == 7000


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"OLT_SIM_PORT": "eighty"}, "OLT_SIM_PORT='eighty'"),
        ({"OLT_SIM_EMPTY": "maybe"}, "OLT_SIM_EMPTY='maybe': expected true or false"),
        ({"OLT_SIM_LOG_FORMAT": "xml"}, "OLT_SIM_LOG_FORMAT='xml': choose from text, json"),
        ({"OLT_SIM_CLOCK": "sometimes"}, "OLT_SIM_CLOCK='sometimes': clock must be"),
    ],
)
def test_a_wrong_environment_value_is_one_line(
    olt_cli, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], expected: str
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert expected in olt_cli("serve").one_line_error()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("port = 'x'\n", "port='x': invalid int value"),
        ("[serve]\nprot = 1\n", "unknown setting 'prot'"),
        ("port = \n", "is not valid TOML"),
    ],
)
def test_a_wrong_config_file_is_one_line(olt_cli, tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "olt-sim.toml"
    config.write_text(text)
    assert expected in olt_cli("--config", str(config), "serve").one_line_error()
    assert "cannot read the config file" in olt_cli("--config", str(tmp_path / "none.toml"), "serve").one_line_error()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["serve", "--clock", "fast"], "argument --clock: clock must be realtime"),
        (["serve", "--port", "http"], "argument --port: invalid int value"),
        (["serve", "--log-level", "loud"], "argument --log-level: invalid choice"),
        (["serve", "--log-format", "xml"], "argument --log-format: invalid choice"),
        (["serve", "--cors-origin"], "argument --cors-origin: expected one argument"),
        (["token", "--user", "a@b.c", "--client-id", "x"], "not allowed with argument"),
    ],
)
def test_a_wrong_flag_is_one_line(olt_cli, argv: list[str], expected: str) -> None:
    line = olt_cli(*argv).one_line_error()
    assert expected in line and "--help" in line


def test_serve_help_tells_about_the_environment_and_config_file(olt_cli) -> None:
    assert "--config FILE or OLT_SIM_CONFIG" in " ".join(olt_cli("serve", "--help").out.split())


def test_run_finds_a_bundled_scenario_by_name(olt_cli) -> None:
    result = olt_cli("run", "single-sensor", "--duration", "2m", "--clock", "stepped")
    assert result.code == 0, result.err
    assert "single-sensor" in result.out + result.err
