"""Client conformance: which requests a client sent that break the contract.

The simulator journals every request with the contract violations found in it
(`GET /_sim/requests`); this module groups them per operation for `olt-sim contract
--client-report` and for the pytest option that fails a test on a non-conforming request.
Kept free of schemathesis so the pytest plugin stays cheap to load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

UNKNOWN = "(no contract operation)"


@dataclass
class ClientOperation:
    operation_id: str
    requests: int = 0
    violating: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    messages: Counter[str] = field(default_factory=Counter)


def fetch_journal(base_url: str, client: httpx.Client | None = None, timeout: float = 30) -> list[dict[str, Any]]:
    """The request journal of a running simulator (base URL with or without /v1)."""
    root = base_url.rstrip("/")
    root = root[: -len("/v1")] if root.endswith("/v1") else root
    if client is None:
        with httpx.Client() as own:
            return fetch_journal(root, own, timeout)
    response = client.get(root + "/_sim/requests", timeout=timeout)
    if response.status_code != 200:
        raise RuntimeError(f"{root} has no request journal (GET /_sim/requests answered {response.status_code})")
    data = response.json().get("data")
    return list(data) if isinstance(data, list) else []


def by_operation(entries: Iterable[Mapping[str, Any]]) -> dict[str, ClientOperation]:
    """The client's requests per operation; the harness's own (marked `harness`) are not the client's."""
    result: dict[str, ClientOperation] = {}
    for entry in entries:
        if entry.get("harness"):
            continue
        name = entry.get("operationId") or UNKNOWN
        summary = result.setdefault(name, ClientOperation(name))
        summary.requests += 1
        summary.statuses[int(entry.get("status") or 0)] += 1
        violations = entry.get("violations") or []
        if violations:
            summary.violating += 1
            for message in dict.fromkeys(f"{v.get('path')}: {v.get('message')}" for v in violations):
                summary.messages[message] += 1  # the same problem twice in one request is one violation
    return result


def violating(entries: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [e for e in entries if e.get("violations") and not e.get("harness")]


def describe(entry: Mapping[str, Any]) -> str:
    """One journal entry as a line per violation."""
    query = f"?{entry['query']}" if entry.get("query") else ""
    operation = entry.get("operationId") or UNKNOWN
    head = f"{entry.get('method')} {entry.get('path')}{query} ({operation}) -> {entry.get('status')}"
    return "\n".join([head, *(f"    {v.get('path')}: {v.get('message')}" for v in entry.get("violations") or [])])


def format_report(summaries: Mapping[str, ClientOperation]) -> str:
    if not summaries:
        return "the journal is empty: the client sent no requests"
    rows = [("operation", "requests", "violating", "statuses")]
    for s in sorted(summaries.values(), key=lambda s: (-s.violating, s.operation_id)):
        statuses = " ".join(f"{k}x{v}" for k, v in sorted(s.statuses.items()))
        rows.append((s.operation_id, str(s.requests), str(s.violating), statuses))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:3], widths, strict=False)) + "  " + r[3] for r in rows]
    for s in summaries.values():
        for message, count in s.messages.most_common():
            lines.append(f"{s.operation_id}: {message} (x{count})")
    total = sum(s.violating for s in summaries.values())
    lines.append(f"{total} non-conforming requests out of {sum(s.requests for s in summaries.values())}")
    return "\n".join(lines)
