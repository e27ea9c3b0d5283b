"""`olt-sim serve` refuses a wrong start with one line naming the value and the flag (exit 2, no traceback)."""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import ROOT, WITHOUT_CONTRACT_EXTRA, Result, cli_env

FREE = ["--mqtt-port", "0", "--mqtts-port", "0", "--port", "0"]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


@pytest.mark.parametrize("flag", ["--port", "--mqtt-port", "--mqtts-port"])
def test_a_port_in_use_names_the_port_and_the_flag(olt_cli, busy_port: int, flag: str) -> None:
    line = olt_cli("serve", "--empty", *FREE, flag, str(busy_port)).one_line_error()
    assert f"port {busy_port} on 127.0.0.1 is already in use ({flag})" in line


def test_port_443_without_privileges_says_what_to_do(olt_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    real_bind = socket.socket.bind

    def bind(self: socket.socket, address: tuple[str, int]) -> None:
        if address[1] == 443:  # what an unprivileged user meets (these tests may run as root)
            raise PermissionError(errno.EACCES, "Permission denied")
        real_bind(self, address)

    monkeypatch.setattr(socket.socket, "bind", bind)
    line = olt_cli("serve", "--empty", *FREE, "--domain", "example.test", "--tls").one_line_error()
    assert "no permission to listen on port 443 (--https-port)" in line
    assert "CAP_NET_BIND_SERVICE" in line and "--https-port 8443" in line


def test_bad_clock(olt_cli) -> None:
    line = olt_cli("serve", "--empty", *FREE, "--clock", "scaled:0").one_line_error()
    assert "argument --clock: clock must be realtime, stepped, manual or scaled:N (N > 0), not 'scaled:0'" in line


def test_unreadable_scenario(olt_cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    line = olt_cli("serve", *FREE, "--scenario", str(missing)).one_line_error()
    assert f"--scenario: {missing}: (top level): cannot read: No such file" in line
    broken = tmp_path / "broken.toml"
    broken.write_bytes(b"\xff\xfe not text")
    assert "not UTF-8 text" in olt_cli("serve", *FREE, "--scenario", str(broken)).one_line_error()


def test_unusable_state_dir(olt_cli, tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("")
    assert (
        f"--state-dir {a_file} is not a directory"
        in olt_cli("serve", "--empty", *FREE, "--state-dir", str(a_file)).one_line_error()
    )
    below_a_file = a_file / "state"
    assert (
        f"cannot create --state-dir {below_a_file}"
        in olt_cli("serve", "--empty", *FREE, "--state-dir", str(below_a_file)).one_line_error()
    )


def test_client_commands_say_where_they_looked(olt_cli) -> None:
    with socket.socket() as closed:  # bound, never listening: refused, and no other process can take the port
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        line = olt_cli("token", "--url", url).one_line_error()
    assert f"cannot reach the simulator at {url} (from --url" in line and "OLT_SIM_URL" in line


def test_contract_without_the_contract_extra_says_what_to_install() -> None:
    """A project that installed olt-simulator without [contract] has no schemathesis, hypothesis or requests."""
    code = (
        WITHOUT_CONTRACT_EXTRA + "from simulator.cli import main\n"
        "sys.exit(main(['contract', '--base-url', 'http://127.0.0.1:9', '--token', 'x']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(), cwd=ROOT, timeout=120
    )
    line = Result(done.returncode, done.stdout, done.stderr).one_line_error()
    assert "pip install 'olt-simulator[contract]'" in line
