"""OAuth client rules: which redirect URIs a client may use, and client authentication."""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, unquote, urlsplit

from simulator.core.errors import OAuthError
from simulator.services.applications.models import OAuthClient

if TYPE_CHECKING:
    from simulator.runtime import Simulator

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_AUTHORITY = re.compile(r"(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.\-_~%]*)(:[0-9]*)?")
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")  # controls, spaces, backslash: browsers and parsers disagree on them


def _origin(parts: SplitResult) -> tuple[str, str | None, int | None]:
    return parts.scheme.lower(), parts.hostname, parts.port


def redirect_allowed(client: OAuthClient, uri: str) -> bool:
    """May the realm send the browser to `uri` for this client (redirect_uri, post_logout_redirect_uri)?

    Registered URIs match exactly, or by a trailing `*` (Keycloak's rule) within the same scheme,
    host and port; with none registered, any http(s) URL on localhost, 127.0.0.1 or [::1].
    Userinfo, fragments, backslashes, spaces and control characters are always refused: they are
    how "localhost" URLs get read as another host by a browser.
    """
    try:
        parts = urlsplit(uri)
        origin = _origin(parts)
    except ValueError:
        return False
    if not parts.scheme or parts.fragment or "#" in uri or _UNSAFE.search(uri) or "@" in parts.netloc:
        return False
    if parts.netloc and not _AUTHORITY.fullmatch(parts.netloc):
        return False
    if not client.redirect_uris:
        return parts.scheme in ("http", "https") and origin[1] in LOCAL_HOSTS
    for pattern in client.redirect_uris:
        if not pattern.endswith("*"):
            if uri == pattern:
                return True
            continue
        prefix = pattern[:-1]
        try:
            same_origin = _origin(urlsplit(prefix)) == origin
        except ValueError:
            continue
        if uri.startswith(prefix) and same_origin:
            return True
    return False


def known_client(sim: Simulator, client_id: str) -> OAuthClient:
    client = sim.applications.get_client(client_id)
    if client is None:
        raise OAuthError("unauthorized_client", f"Client {client_id!r} is not known to the realm")
    return client


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """client_secret_basic: `Authorization: Basic base64(urlencoded id ':' urlencoded secret)`."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "Malformed Basic credentials", 401) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "Malformed Basic credentials", 401)
    return unquote(client_id), unquote(secret)


def basic_client_id(authorization: str | None) -> str | None:
    """The client named by `Authorization: Basic` (then Keycloak needs no client_id form field)."""
    basic = _basic_credentials(authorization)
    return basic[0] if basic else None


def authenticate_client(sim: Simulator, client_id: str, secret: str | None, authorization: str | None) -> OAuthClient:
    """The client of a token request; confidential clients must prove their secret (form or Basic)."""
    basic = _basic_credentials(authorization)
    if basic is not None:
        if basic[0] != client_id:
            raise OAuthError("invalid_client", "Basic credentials name another client than client_id", 401)
        secret = basic[1]
    client = sim.applications.get_client(client_id)
    if client is None:
        raise OAuthError("invalid_client", "Invalid client credentials", 401)
    if client.secret is None:
        return client
    if not secret:
        raise OAuthError("invalid_client", "Client secret not provided in request", 401)
    if not hmac.compare_digest(secret.encode(), client.secret.encode()):
        raise OAuthError("invalid_client", "Invalid client secret", 401)
    return client


def check_tenant_access(sim: Simulator, client: OAuthClient, user_id: str | None, tenant_id: str, error: str) -> None:
    """May a token of this client (for this user, or its service account) be bound to the tenant?

    A user must be a member; an application's client must also be installed there (facts C.2, I.9).
    The realm's own clients (no application, like the portal) work in every tenant of the user.
    """
    if tenant_id not in sim.state.tenants.tenants:
        raise OAuthError(error, f"Tenant {tenant_id} does not exist")
    if user_id is not None and sim.users.role_ids(tenant_id, user_id) is None:
        raise OAuthError(error, f"The user is not a member of tenant {tenant_id}")
    installed_needed = user_id is None or client.application_id is not None
    if installed_needed and tenant_id not in client.tenant_ids:
        raise OAuthError(error, f"The application is not installed in tenant {tenant_id}")
