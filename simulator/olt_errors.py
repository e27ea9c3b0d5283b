"""Responses that explain themselves: an OLT error's errorCode, message and details in repr and raise.

The handles' clients turn every response into an `OltResponse`, so a failing
`assert response.status_code == 201` or `response.raise_for_status()` shows what OLT said:

    <Response [400 Bad Request] BAD_REQUEST: Request body is invalid; details: [{'path': 'name', ...}]>
"""

from __future__ import annotations

import json
from typing import Any

import httpx


class OltHTTPError(httpx.HTTPStatusError):
    """`raise_for_status()` of an OLT error response, with the error body in the message."""


def explain(response: httpx.Response) -> str:
    """`CODE: message; details: [...]` from an OLT (or OAuth) error body; the start of the body otherwise."""
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and ("errorCode" in body or "errorMessage" in body):
        text = f"{body.get('errorCode')}: {body.get('errorMessage')}"
        return text + (f"; details: {body['details']}" if body.get("details") else "")
    if isinstance(body, dict) and "error" in body:
        return f"{body['error']}: {body.get('error_description', '')}"
    return response.text[:200]


class OltResponse(httpx.Response):
    def __repr__(self) -> str:
        base = f"<Response [{self.status_code} {self.reason_phrase}]"
        if self.is_error and self.is_stream_consumed:
            return f"{base} {explain(self)}>"
        return base + ">"

    def raise_for_status(self) -> OltResponse:
        if not self.is_error:
            return self
        request = self.request
        message = f"{request.method} {request.url} -> {self.status_code} {self.reason_phrase}: {explain(self)}"
        raise OltHTTPError(message, request=request, response=self)


def explaining(response: httpx.Response) -> None:
    """httpx response hook: make the response an `OltResponse` (same data, better repr and raise)."""
    response.read()
    response.__class__ = OltResponse
