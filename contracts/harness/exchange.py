"""Sending a schemathesis case with httpx, and handing the answer back to schemathesis' checks.

schemathesis serializes a case into `requests`-style keyword arguments (`Case.as_transport_kwargs`);
this module turns them into one `httpx.Request` - query and body encoded as `requests` would have
encoded them, so the target sees the same bytes - sends it on the harness' client (whose transport
enforces safe mode, rate and budget) and wraps the answer as a schemathesis `Response`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx
from schemathesis import Case
from schemathesis.core.transport import Response


def _query(params: Any) -> str:
    """The query string `requests` builds from `params` (None values dropped, lists repeated)."""
    if not params:
        return ""
    if isinstance(params, str):
        return params.lstrip("?")
    pairs = params.items() if isinstance(params, Mapping) else params
    flat = [
        (key, item)
        for key, value in pairs
        for item in (value if isinstance(value, list | tuple) else [value])
        if item is not None
    ]
    return urlencode(flat, doseq=True)


def _latin1(value: Any) -> bytes:
    return str(value).encode("latin-1", "replace")  # headers go on the wire as latin-1, as `requests` sends them


def build_request(client: httpx.Client, case: Case[Any], headers: Mapping[str, str], base_url: str) -> httpx.Request:
    data = case.as_transport_kwargs(base_url=base_url, headers=dict(headers))
    url = str(data["url"])
    query = _query(data.get("params"))
    if query:
        url += ("&" if "?" in url else "?") + query
    sent = [(_latin1(k), _latin1(v)) for k, v in (data.get("headers") or {}).items() if v is not None]
    cookies = data.get("cookies") or {}
    if cookies:
        sent.append((b"Cookie", _latin1("; ".join(f"{name}={value}" for name, value in cookies.items()))))
    body: dict[str, Any] = {}
    if "json" in data and data["json"] is not None:
        body["json"] = data["json"]
    elif data.get("files"):
        body.update(files=data["files"], data=data.get("data") or None)
    elif isinstance(data.get("data"), bytes | str):
        body["content"] = data["data"]
    elif data.get("data") is not None:
        body["data"] = data["data"]
    return client.build_request(str(data["method"]), url, headers=sent, **body)


def follows_redirects(case: Case[Any]) -> bool:
    """A documented redirect is the answer under test, not its target (schemathesis' rule)."""
    return not any(code.startswith("3") for code in case.operation.responses.status_codes)


def send(
    client: httpx.Client, case: Case[Any], *, headers: Mapping[str, str], base_url: str, timeout: float
) -> tuple[Response, httpx.Request]:
    """Send `case`; the answer for schemathesis' checks, and the (last) request sent, for replays."""
    case._sync_validated_hashes()  # what `Case.call` does before sending: the case is final now
    case.freeze_metadata()
    request = build_request(client, case, headers, base_url)
    request.extensions["timeout"] = httpx.Timeout(timeout).as_dict()
    answer = client.send(request, follow_redirects=follows_redirects(case))
    return as_schemathesis(answer), answer.request


def as_schemathesis(response: httpx.Response) -> Response:
    converted = Response.from_httpx(response, verify=True)
    converted.request.url = str(response.request.url)  # from_httpx appends the query a second time
    return converted
