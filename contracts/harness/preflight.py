"""Preflight: before any phase, make sure the run can mean something.

Three questions, each answered within seconds and, when the answer is no, as one line (the CLI
exits 2): does anything answer at the base URL, does the contract's server path (/v1) lead to the
OLT API there, and does the target accept the token? Without this a wrong URL or an expired token
turned into minutes of transport failures reported one operation at a time.
"""

from __future__ import annotations

from typing import Any

import httpx

from contracts import spec
from contracts.harness.options import OptionsError
from contracts.harness.target import Target

#: Seconds a preflight request may take (connect and read) before the target counts as not answering.
TIMEOUT = 5.0


class PreflightError(OptionsError):
    """The target cannot be tested as given (nothing answers, wrong path, token refused)."""


def _message(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        text = body.get("errorMessage") or body.get("error_description") or body.get("error")
        return f": {text}" if text else ""
    return ""


def _get(target: Target, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    url = target.api_url + path
    try:
        return target.wire.client.get(url, headers=headers, timeout=TIMEOUT)
    except httpx.TimeoutException:
        raise PreflightError(f"{target.root_url} did not answer within {TIMEOUT:.0f}s (GET {url})") from None
    except httpx.NetworkError as error:
        reason = str(error.__context__ or error).split(":")[-1].strip() or "connection failed"
        raise PreflightError(f"nothing answers at {target.root_url} ({reason})") from None
    except httpx.HTTPError as error:
        raise PreflightError(f"GET {url} failed: {error}") from None


def reachable(target: Target) -> None:
    """The target answers, and the contract's server path leads to the OLT API (its realm is public)."""
    path = spec.operation("getRealmInfo").path
    response = _get(target, path)
    if response.status_code != 200 or not isinstance(_json(response), dict):
        raise PreflightError(
            f"{target.api_url} is not the OLT API: GET {spec.API_PREFIX}{path} answered {response.status_code}"
            f"{_message(response)} (the contract's server path is {spec.API_PREFIX}; check --base-url)"
        )


def token_accepted(target: Target) -> None:
    """The token opens a secured read (403 is fine: authenticated, just not allowed to list devices)."""
    path = spec.operation("listDevices").path + "?page=0&pageSize=1"
    response = _get(target, path, target.headers())
    if response.status_code == 401:
        raise PreflightError(
            f"the target refused the token: GET {spec.API_PREFIX}{path} answered 401{_message(response)}"
        )
    if response.status_code == 404:
        raise PreflightError(
            f"{target.api_url} is not the OLT API: GET {spec.API_PREFIX}{path} answered 404{_message(response)}"
        )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
