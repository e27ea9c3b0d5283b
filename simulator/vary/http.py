"""The dispatcher's one hook: vary a Starlette response in place when variation mode is on."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from simulator.vary.engine import MUTATING, Variation


async def vary_response(
    variation: Variation, operation_id: str | None, request: Request, response: Response
) -> tuple[str, ...]:
    """Vary `response` (body, headers) and say how, for the request journal."""
    current = getattr(response, "body", None)
    body = bytes(current) if isinstance(current, bytes | memoryview) else None  # a streamed body is left alone
    request_body = await request.body() if request.method in MUTATING else b""
    outcome = variation.vary(
        operation_id,
        request.method,
        request.scope["path"],
        response.status_code,
        request_body,
        list(response.raw_headers),
        body,
    )
    if outcome.body is not None:
        response.body = outcome.body
    response.raw_headers = outcome.headers
    return tuple(str(applied) for applied in outcome.applied)
