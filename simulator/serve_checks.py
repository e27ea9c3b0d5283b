"""Checks `olt-sim serve` makes before starting, so a wrong flag is one clear line, not a traceback.

Each check raises `CliError` naming the value and the flag to change.
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

from simulator.cli_options import CliError
from simulator.settings import Settings

PRIVILEGED_BELOW = 1024


def check_ports(settings: Settings) -> None:
    """Every fixed port (0 = a free one) can be bound on the host: named with its flag when it cannot."""
    ports = [("--port", settings.port), ("--mqtt-port", settings.mqtt_port), ("--mqtts-port", settings.mqtts_port)]
    if settings.tls:
        ports.append(("--https-port", 443 if settings.https_port is None else settings.https_port))
    for flag, port in ports:
        if port:
            probe(settings.host, port, flag)


def probe(host: str, port: int, flag: str) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            raise CliError(explain_bind_error(error, host, port, flag)) from None


def explain_bind_error(error: OSError, host: str, port: int, flag: str) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use ({flag}): stop the other server or pass {flag} N "
            "(0 = a free port)"
        )
    if error.errno == errno.EACCES and port < PRIVILEGED_BELOW:
        return (
            f"no permission to listen on port {port} ({flag}): ports below {PRIVILEGED_BELOW} need root or "
            f"CAP_NET_BIND_SERVICE; pass {flag} {port + 8000} instead"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host} (--host): no such local address"
    return f"cannot listen on {host}:{port} ({flag}): {error.strerror or error}"


def check_state_dir(path: Path | None) -> None:
    """The state dir exists (or can be made) and is a writable directory."""
    if path is None:
        return
    if path.exists() and not path.is_dir():
        raise CliError(f"--state-dir {path} is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CliError(f"cannot create --state-dir {path}: {error.strerror or error}") from None
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise CliError(f"--state-dir {path} is not readable and writable by this user")


def clock_flag(text: str) -> str:
    """argparse `type` of --clock: realtime | manual | stepped | scaled:N."""
    from argparse import ArgumentTypeError

    from simulator.scenario.schema import check_clock

    try:
        return check_clock(text)
    except ValueError as error:
        raise ArgumentTypeError(str(error)) from None
