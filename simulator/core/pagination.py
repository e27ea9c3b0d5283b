"""OLT paging: zero-based `page`, `pageSize`, and `meta {page, pageSize, itemsTotal, pagesTotal}`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def page_of(items: Sequence[T], page: int, page_size: int) -> tuple[Sequence[T], dict[str, Any]]:
    total = len(items)
    pages = -(-total // page_size) if page_size else 0
    start = page * page_size
    chunk = items[start : start + page_size] if page_size else items[:0]
    return chunk, {"page": page, "pageSize": page_size, "itemsTotal": total, "pagesTotal": pages}
