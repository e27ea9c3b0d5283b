"""What stops a web page the developer happens to open from driving the simulator, and the last net.

`RequestGuard` is the outermost ASGI layer of the app:

- **Host** (every request, API, realm and `/_sim`): the `Host` header must name this server —
  an IP literal, `localhost` (or `*.localhost`), the bound host, the host of the public URL or a
  `--domain` name — so a DNS-rebinding page (`evil.example` re-pointed at 127.0.0.1) is refused.
- **`/_sim`**: with a control token (`--control-token`), `Authorization: Bearer <token>` is
  required (the dashboard's static pages under `/_sim/ui` excepted). POST, PUT and PATCH must send
  `Content-Type: application/json` (no "simple" cross-site form post); every mutating call, when
  the browser says where it comes from (`Origin`), must come from this server itself or an origin
  the CORS list allows.
- **Any uncaught exception** becomes a 500 in the OLT error shape, logged with its traceback;
  the connection stays usable (the server only closes it when a response was already under way).

Refusals use the OLT error shape: 403 `NO_ACCESS_TO_RESOURCE`, 401, 415.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulator.api.errors import error_response
from simulator.core.errors import Forbidden, SimError, Unauthorized, UnsupportedMediaType

if TYPE_CHECKING:
    from simulator.runtime import Simulator

log = logging.getLogger(__name__)
CONTROL_PREFIX = "/_sim"
CONTROL_PUBLIC_PREFIX = "/_sim/ui"  # the dashboard's static pages: no data, no effect
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})  # DELETE is never a "simple" cross-site request
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")  # the everyday answers first: a set lookup
ANY_ADDRESS = ("0.0.0.0", "::", "")


def host_name(host_header: str) -> str:
    """`Host` without its port, lower-case, brackets of an IPv6 literal removed."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def served_names(sim: Simulator) -> frozenset[str]:
    """The host names this server answers to (IP literals are always accepted besides these).

    Listening beyond loopback, the machine's own host name is served too (a rebinding attacker
    controls a domain of theirs, not what this machine calls itself).
    """
    settings = sim.settings
    names = set(LOCAL_NAMES)
    if settings.host in ANY_ADDRESS:
        names.add(socket.gethostname())
    else:
        names.add(host_name(settings.host))
    if settings.domain:
        names.update({settings.domain, *(f"{p}.{settings.domain}" for p in ("api", "id", "mqtt"))})
    for url in (settings.public_url, sim.base_url, sim.identity_url):
        if url:
            names.add(host_name(urlsplit(url).netloc.rpartition("@")[2]))
    return frozenset(n.lower() for n in names if n)


def host_allowed(host_header: str | None, names: Iterable[str]) -> bool:
    if host_header is None:
        return True  # HTTP/1.0 without Host: no browser sends that
    name = host_name(host_header)
    return name in names or name.endswith(".localhost") or _is_ip(name)


class RequestGuard:
    """The outermost ASGI middleware: Host allow-list, `/_sim` protection, 500 safety net."""

    def __init__(self, app: ASGIApp, sim: Simulator) -> None:
        self.app = app
        self.sim = sim
        settings = sim.settings
        self.control_token = settings.control_token
        self._names: frozenset[str] = frozenset()
        self._names_key: tuple[str | None, ...] = ()
        self.cors_origins = frozenset(o.rstrip("/").lower() for o in settings.cors_origins)
        self.cors_regex = None if settings.cors_origins else re.compile(settings.cors_origin_regex)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            self._check(scope, headers)
        except SimError as error:
            await self._refuse(scope, receive, send, error)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self._call_safely(scope, receive, send)

    def _served_names(self) -> frozenset[str]:
        """served_names(), again only when the server's URLs changed (they are set while it starts)."""
        key = (self.sim.base_url, self.sim.identity_url)
        if key != self._names_key:
            self._names, self._names_key = served_names(self.sim), key
        return self._names

    def _check(self, scope: Scope, headers: Headers) -> None:
        if not host_allowed(headers.get("host"), self._served_names()):
            raise Forbidden(
                f"Host {headers.get('host')!r} is not served here (DNS rebinding?); use localhost or 127.0.0.1"
            )
        path: str = scope["path"]
        if path != CONTROL_PREFIX and not path.startswith(CONTROL_PREFIX + "/"):
            return
        preflight = scope["type"] == "http" and scope["method"] == "OPTIONS"  # browsers send no credentials
        if self.control_token and not preflight and not path.startswith(CONTROL_PUBLIC_PREFIX):
            self._check_control_token(headers.get("authorization"))
        if scope["type"] == "http" and scope["method"] in MUTATING:
            media = headers.get("content-type", "").split(";")[0].strip().lower()
            if scope["method"] in WITH_BODY and media != "application/json":
                raise UnsupportedMediaType("/_sim calls that change something need 'Content-Type: application/json'")
            origin = headers.get("origin")
            if origin is not None and not self._origin_allowed(origin, scope, headers):
                raise Forbidden(f"Origin {origin!r} may not drive the simulator (not in the CORS allow-list)")

    def _check_control_token(self, authorization: str | None) -> None:
        assert self.control_token is not None
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self.control_token.encode()):
            raise Unauthorized("/_sim needs 'Authorization: Bearer <control token>' (see --control-token)")

    def _origin_allowed(self, origin: str, scope: Scope, headers: Headers) -> bool:
        origin = origin.strip().rstrip("/").lower()
        scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
        if origin == f"{scheme}://{headers.get('host', '').strip().lower()}":
            return True  # same origin: the dashboard served by this server
        if origin in self.cors_origins:
            return True
        return self.cors_regex is not None and self.cors_regex.fullmatch(origin) is not None

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, error: SimError) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": error.message[:120]})
            return
        headers = {"WWW-Authenticate": 'Bearer realm="olt-sim-control"'} if isinstance(error, Unauthorized) else None
        await error_response(error, headers)(scope, receive, send)

    async def _call_safely(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except httpx.TransportError:
            raise  # in-process transports only: fault injection's "reset" drops the connection on purpose
        except Exception:
            log.exception("Unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # half a response is out: only closing the connection is honest
            error = SimError("Internal error in the simulator (this is a bug; the server log has the traceback)")
            await error_response(error)(scope, receive, send)


def is_loopback(host: str) -> bool:
    if host_name(host) == "localhost":
        return True
    try:
        return ipaddress.ip_address(host_name(host)).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, control_token: str | None) -> str | None:
    """What `serve` prints when it listens beyond this machine."""
    if is_loopback(host):
        return None
    if control_token:
        return f"WARNING: listening on {host}: other machines can reach the simulator (/_sim needs the control token)"
    return (
        f"WARNING: listening on {host}: anyone who can reach this port can use /_sim, which mints tokens and "
        "resets the world without authentication; set --control-token (or OLT_SIM_CONTROL_TOKEN) to protect it"
    )
