"""The variation engine: one response in (status, headers, body bytes), a varied spelling of it out.

Framework-free: the HTTP dispatcher calls it through `simulator.vary.http` after the endpoint
returned, only when variation is on (off, the dispatcher does one attribute check).
"""

from __future__ import annotations

import contextlib
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from contracts import spec
from simulator.vary.body import Applied, BodyWalker
from simulator.vary.choices import Decider, plan_of
from simulator.vary.emit import Layout, dumps
from simulator.vary.headers import RawHeaders, vary_headers
from simulator.vary.kinds import KINDS, Weights, default_weights
from simulator.vary.shape import response_schema
from simulator.vary.written import WrittenRegistry

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOG_SIZE = 10_000  # varied responses kept for explanations; a test meets far fewer


@dataclass(frozen=True)
class Outcome:
    headers: RawHeaders
    body: bytes | None  # None: the body was not changed
    applied: tuple[Applied, ...]


@dataclass(frozen=True)
class LogEntry:
    """One varied response, kept for explanations (`olt_vary`) and `/_sim/vary`."""

    method: str
    path: str
    applied: tuple[Applied, ...]


def _valid(pointer: str) -> Any:
    fast = spec.fast_validator(pointer)
    return fast.is_valid if fast is not None else spec.validator(pointer).is_valid


def _resource_id(doc: Any, path: str) -> str:
    data = doc.get("data") if isinstance(doc, dict) else None
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return str(data["id"])
    return path.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class Variation:
    """Variation mode of one simulator: the kinds and weights, the seed or plan, and what it did."""

    seed: int | str = 0
    weights: Weights = field(default_factory=default_weights)
    plan: int | None = None

    def __post_init__(self) -> None:
        self.written = WrittenRegistry()
        self.log: deque[LogEntry] = deque(maxlen=LOG_SIZE)  # bounded: `serve --vary` may run all day
        self.restart()

    def restart(self) -> None:
        """Back to decision 0 (on every simulator reset: the same test sees the same variation)."""
        self.decider = Decider(self.seed, self.weights, self.plan)
        self.written.clear()
        self.log.clear()

    def describe(self) -> dict[str, Any]:
        return {
            "enabled": True,
            "seed": self.seed,
            "kinds": self.weights.to_api(),
            "plan": hex(self.plan) if self.plan is not None else None,
            "decisions": self.decider.index,
            "applied": sum(len(entry.applied) for entry in self.log),
            "known": {kind: {"defaultWeight": w, "does": what} for kind, (w, what) in KINDS.items()},
        }

    def applied_plan(self) -> int:
        """The plan that replays every variation applied since the last restart."""
        return plan_of({a.index for entry in self.log for a in entry.applied})

    def vary(
        self,
        operation_id: str | None,
        method: str,
        path: str,
        status: int,
        request_body: bytes,
        headers: RawHeaders,
        body: bytes | None,
    ) -> Outcome:
        content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"").decode("latin-1")
        applied: list[Applied] = []
        new_body = None
        if body and operation_id and "json" in content_type:
            new_body = self._vary_body(operation_id, method, path, status, content_type, request_body, body, applied)
        headers = vary_headers(self.decider, headers, new_body, applied)
        if applied:
            self.log.append(LogEntry(method, path, tuple(applied)))
        return Outcome(headers, new_body, tuple(applied))

    def _vary_body(
        self,
        operation_id: str,
        method: str,
        path: str,
        status: int,
        content_type: str,
        request_body: bytes,
        body: bytes,
        applied: list[Applied],
    ) -> bytes | None:
        schema = response_schema(operation_id, status, content_type.split(";")[0].strip())
        if schema is None:
            return None
        try:
            doc = json.loads(body)
        except ValueError:
            return None
        resource = _resource_id(doc, path)
        if method in MUTATING and status < 300 and request_body:
            with contextlib.suppress(ValueError):
                self.written.record(resource, json.loads(request_body))
        pointer, node = schema
        walker = BodyWalker(self.decider, _valid(pointer), self.written)
        result = walker.vary(doc, node, self.written.paths(resource))
        applied.extend(result.applied)
        layout = Layout(numbers=result.numbers)
        layout_changes = (
            ("keys", "object keys in another order"),
            ("indent", "indented with whitespace"),
            ("ascii", "non-ASCII characters as \\u escapes"),
        )
        for what, detail in layout_changes:
            index = self.decider.decide("layout")
            if index is None:
                continue
            applied.append(Applied(index, "layout", what, detail))
            if what == "keys":
                layout.shuffle_keys = self.decider.details(index)
            elif what == "indent":
                layout.indent = self.decider.details(index).choice(["  ", "\t", " "])
            else:
                layout.ascii_only = True
        if not applied:
            return None
        return dumps(doc, layout).encode("utf-8")
