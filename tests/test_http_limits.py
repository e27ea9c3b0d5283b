"""HTTP connection limits over real sockets: slow heads, idle connections, 500s, descriptor exhaustion."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from urllib.parse import urlsplit

import pytest

from simulator import http_limits
from simulator.testing import SimHandle

TIMEOUT = 20.0


def _address(handle: SimHandle) -> tuple[str, int]:
    parts = urlsplit(handle.base_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _closed_by_server(sock: socket.socket) -> bool:
    """Read what is left of a response until the server closes (True) or TIMEOUT passes (socket.timeout)."""
    sock.settimeout(TIMEOUT)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return True


def test_a_slow_request_head_is_cut_off(olt_sim_server: SimHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_limits, "HEADER_TIMEOUT_SECONDS", 0.5)
    with socket.create_connection(_address(olt_sim_server), timeout=TIMEOUT) as sock:
        sock.sendall(b"GET /_sim/world HTTP/1.1\r\nHost: localhost\r\n")
        started = time.monotonic()
        try:
            while time.monotonic() - started < TIMEOUT:  # one header line every 0.1 s: never a whole head
                sock.sendall(b"X-Slow: 1\r\n")
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert time.monotonic() - started < TIMEOUT - 1


def test_a_silent_connection_is_closed(olt_sim_server: SimHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_limits, "HEADER_TIMEOUT_SECONDS", 0.3)
    with socket.create_connection(_address(olt_sim_server), timeout=TIMEOUT) as sock:
        assert _closed_by_server(sock)


def test_an_idle_keep_alive_connection_is_closed(olt_sim_server: SimHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_limits, "HEADER_TIMEOUT_SECONDS", 0.3)
    with socket.create_connection(_address(olt_sim_server), timeout=TIMEOUT) as sock:
        sock.sendall(b"GET /_sim/clock HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert sock.recv(12).startswith(b"HTTP/1.1 200")
        assert _closed_by_server(sock)


def test_a_500_keeps_the_connection_usable(olt_sim_server: SimHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> object:
        raise RuntimeError("boom")

    connection = http.client.HTTPConnection(*_address(olt_sim_server), timeout=TIMEOUT)
    connection.request("GET", "/_sim/clock")
    assert connection.getresponse().read()
    first_socket = connection.sock
    monkeypatch.setattr(type(olt_sim_server.sim.clock), "describe", broken)
    connection.request("GET", "/_sim/clock")
    response = connection.getresponse()
    body = json.loads(response.read())
    assert response.status == 500 and body["errorCode"] == "INTERNAL_ERROR" and "errorMessage" in body
    monkeypatch.undo()
    connection.request("GET", "/_sim/clock")
    assert connection.getresponse().status == 200
    assert connection.sock is first_socket  # the same keep-alive connection throughout
    connection.close()


SERVER_AT_THE_LIMIT = textwrap.dedent(
    """
    import logging, resource, sys
    from simulator import Settings
    from simulator.runtime import Simulator
    from simulator.server import ThreadedServer

    logging.basicConfig(stream=sys.stderr, level=logging.ERROR, format="LOG %(name)s %(message)s")
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    server = ThreadedServer(Simulator(Settings(port=0, mqtt_port=None, mqtts_port=None, clock="manual"))).start()
    print(server.sim.info["httpPort"], flush=True)
    sys.stdin.read()  # serve until the test closes our stdin
    server.stop()
    """
)


def _get(connection: http.client.HTTPConnection) -> int:
    connection.request("GET", "/_sim/clock")
    response = connection.getresponse()
    response.read()
    return response.status


def _fresh_get(port: int, within: float = 5.0) -> int:
    """GET on a new connection, once the server has noticed the flood's closed sockets (libuv sheds
    connections it cannot accept until then; asyncio's loop serves at once)."""
    deadline = time.monotonic() + within
    while True:
        fresh = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            return _get(fresh)
        except ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
        finally:
            fresh.close()


@pytest.mark.parametrize("uvloop", ["0", "1"], ids=["asyncio-loop", "uvloop"])
def test_out_of_descriptors_it_keeps_serving_and_logs_once_a_second(uvloop: str) -> None:
    """The server (limited to 64 descriptors) meets 200 connections it cannot all accept.

    asyncio reports every failed accept (we log one line a second of them); libuv, under uvloop,
    sheds the connections it cannot accept by itself (its EMFILE trick), so there is nothing to log.
    """
    env = {**os.environ, "OLT_SIM_UVLOOP": uvloop}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER_AT_THE_LIMIT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        kept = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        assert _get(kept) == 200
        flood = [socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) for _ in range(200)]
        time.sleep(3)  # the server meets EMFILE on every accept attempt meanwhile
        assert _get(kept) == 200  # an open connection is still served at the limit
        for sock in flood:
            sock.close()
        assert _fresh_get(port) == 200  # and new connections once descriptors are free again
        kept.close()
    finally:
        _, stderr = server.communicate("", timeout=60)
    lines = [line for line in stderr.splitlines() if "file descriptors" in line]
    least = 1 if uvloop == "0" else 0
    assert least <= len(lines) <= 6, stderr[-2000:]  # a few seconds at the limit: one line a second at most
    assert "Traceback" not in stderr, stderr[-2000:]
