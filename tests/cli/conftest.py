"""Helpers for the CLI tests: run `olt-sim` in-process, or a real `olt-sim serve` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from simulator.cli import main

ROOT = Path(__file__).resolve().parents[2]
FREE_PORTS = ["--port", "0", "--mqtt-port", "0", "--mqtts-port", "0"]


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def one_line_error(self) -> str:
        """The run failed the way every CLI mistake must: exit 2, one stderr line, no traceback."""
        assert self.code == 2, (self.code, self.out, self.err)
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        assert "Traceback" not in self.err
        return lines[0]


@pytest.fixture
def olt_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """olt_cli(*argv) -> Result, with no OLT_SIM_* variables and a private runtime dir."""
    for name in list(os.environ):
        if name.startswith("OLT_SIM_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))

    def run(*argv: str) -> Result:
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse (--help, --version, usage errors)
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLT_SIM_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


class Served:
    """A real `olt-sim serve` subprocess with its console output collected in a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.handle = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "simulator", "serve", *args],
            env=env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    def output(self) -> str:
        return self.log.read_text()

    def wait_for_file(self, path: Path, timeout: float = 60) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            if path.exists():
                try:
                    return dict(json.loads(path.read_text()))
                except ValueError:
                    pass
            time.sleep(0.1)
        raise AssertionError(f"no {path} after {timeout}s: {self.output()}")

    def wait_for_output(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return self.output()
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never printed: {self.output()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            code = self.process.wait(30)
        finally:
            self.handle.close()
        return code


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    """serve(*args, **env) -> Served, stopped at the end of the test."""
    started: list[Served] = []

    def start(*args: str, **env: str) -> Served:
        served = Served(
            [*FREE_PORTS, *args],
            cli_env(XDG_RUNTIME_DIR=str(tmp_path / "runtime"), **env),
            tmp_path / f"serve-{len(started)}.log",
        )
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


def get(url: str, path: str) -> httpx.Response:
    return httpx.get(url + path, timeout=10)


#: Python source that makes the [contract] extra's packages unimportable, as in a project without it.
WITHOUT_CONTRACT_EXTRA = (
    "import sys\n"
    "class Missing:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('schemathesis', 'hypothesis', 'requests'):\n"
    "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
    "sys.meta_path.insert(0, Missing())\n"
)
