"""The one place SimErrors become OLT error JSON (and OAuth errors their own shape)."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.responses import json_response
from simulator.core.errors import OAuthError, SimError


def error_response(error: SimError, headers: dict[str, str] | None = None) -> Response:
    return json_response(error.to_body(), error.status, headers)


def oauth_error_response(error: OAuthError) -> Response:
    return json_response(error.to_body(), error.status, {"Cache-Control": "no-store"})
