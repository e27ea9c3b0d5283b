"""HTTP connection limits over real sockets: slow heads, idle connections, 500s, descriptor exhaustion."""

from __future__ import annotations

import http.client
import json
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


EXHAUST = textwrap.dedent(
    """
    import logging, resource, socket, sys, time, http.client
    from simulator import Settings
    from simulator.runtime import Simulator
    from simulator.server import ThreadedServer

    logging.basicConfig(stream=sys.stderr, level=logging.ERROR, format="LOG %(name)s %(message)s")
    resource.setrlimit(resource.RLIMIT_NOFILE, (160, 160))
    server = ThreadedServer(Simulator(Settings(port=0, mqtt_port=None, mqtts_port=None, clock="manual"))).start()
    port = server.sim.info["httpPort"]
    held = []
    try:
        while True:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError:
        pass  # this process is out of descriptors as well
    time.sleep(3)  # the server meets EMFILE on every accept attempt meanwhile
    for sock in held[: len(held) // 2]:
        sock.close()
    time.sleep(1.5)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/_sim/clock")
    print("STATUS", connection.getresponse().status, flush=True)
    """
)


def test_out_of_descriptors_it_keeps_serving_and_logs_once_a_second() -> None:
    result = subprocess.run([sys.executable, "-c", EXHAUST], capture_output=True, text=True, timeout=120)
    assert "STATUS 200" in result.stdout, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if "file descriptors" in line]
    assert 1 <= len(lines) <= 6, result.stderr[-2000:]  # about 4.5 s at the limit: one line a second at most
    assert "Traceback" not in result.stderr
