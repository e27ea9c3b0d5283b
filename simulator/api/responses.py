"""Small builders for OLT's success envelopes ({data} and {data, meta})."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from starlette.responses import Response

from simulator.core.pagination import page_of

T = TypeVar("T")


def utf8(text: str) -> bytes:
    """JSON text as bytes that never fail: a lone surrogate (refused at the edge, so only from older
    data) becomes its `\\udXXX` escape, which is what it means inside a JSON string."""
    return text.encode("utf-8", "backslashreplace")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        utf8(json.dumps(body, separators=(",", ":"), ensure_ascii=False)),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def ok(data: Any, status: int = 200) -> Response:
    return json_response({"data": data}, status)


def created(data: Any) -> Response:
    return ok(data, 201)


def accepted(data: Any) -> Response:
    return ok(data, 202)


def no_content() -> Response:
    return Response(status_code=204)


def paged(items: Sequence[T], page: int, page_size: int, to_api: Callable[[T], Any]) -> Response:
    chunk, meta = page_of(items, page, page_size)
    return json_response({"data": [to_api(item) for item in chunk], "meta": meta})


def ok_json(data_json: str, status: int = 200) -> Response:
    """Like `ok`, for data that is already JSON text (e.g. cached by the resource)."""
    return Response(utf8('{"data":' + data_json + "}"), status_code=status, media_type="application/json")


def paged_json(items: Sequence[T], page: int, page_size: int, to_json: Callable[[T], str]) -> Response:
    """Like `paged`, for items that keep their own (cached) JSON text: large lists skip re-encoding."""
    chunk, meta = page_of(items, page, page_size)
    body = '{"data":[' + ",".join(map(to_json, chunk)) + '],"meta":' + json.dumps(meta, separators=(",", ":")) + "}"
    return Response(body, media_type="application/json")
