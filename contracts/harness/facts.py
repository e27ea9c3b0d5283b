"""Which `x-olt-inferred` facts of the contract a recording confirms or contradicts.

The contract marks with `x-olt-inferred: true` what the platform's documentation does not state and
the contract had to assume (a status, a response shape, a parameter, a whole operation). A session
recorded against the real platform is evidence: a recorded answer that validates against an
inferred schema confirms it, one that does not contradicts it (the validation error names where),
a status the contract does not list contradicts the inferred operation or response.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from contracts import spec
from contracts.harness.recording import Exchange

CONFIRMED, CONTRADICTED, UNTESTED = "confirmed", "contradicted", "not exercised"


@dataclass
class Fact:
    pointer: str  #: JSON pointer of the inferred node in the contract
    kind: str  #: operation, response, parameter, request body, schema
    operation_id: str | None = None
    detail: str = ""  #: the status or parameter name it is about
    confirmed: int = 0
    contradicted: int = 0
    evidence: list[str] = field(default_factory=list)  #: the first few contradictions, one line each

    @property
    def verdict(self) -> str:
        if self.contradicted:
            return CONTRADICTED
        return CONFIRMED if self.confirmed else UNTESTED

    def contradict(self, why: str) -> None:
        self.contradicted += 1
        if len(self.evidence) < 3 and why not in self.evidence:
            self.evidence.append(why)


def _walk(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}")


@functools.cache
def _operations_by_path() -> dict[tuple[str, str], spec.Operation]:
    return {(op.path, op.method.lower()): op for op in spec.operations()}


def _classify(pointer: str) -> Fact:
    parts = pointer.split("/")
    if parts[1] != "paths":
        return Fact(pointer, "schema", detail="/".join(parts[2:]))
    path = parts[2].replace("~1", "/").replace("~0", "~")
    op = _operations_by_path().get((path, parts[3])) if len(parts) > 3 else None
    operation_id = op.operation_id if op else None
    rest = parts[4:]
    if not rest:
        return Fact(pointer, "operation", operation_id)
    if rest[0] == "responses" and len(rest) > 1:
        return Fact(pointer, "response", operation_id, rest[1])
    if rest[0] == "parameters" and len(rest) > 1 and op is not None:
        name = str(op.parameters[int(rest[1])].get("name")) if rest[1].isdigit() else rest[1]
        return Fact(pointer, "parameter", operation_id, name)
    return Fact(pointer, "request body", operation_id)


def inferred() -> dict[str, Fact]:
    """Every inferred node of the contract, by pointer."""
    return {
        pointer: _classify(pointer)
        for pointer, node in _walk(spec.openapi(), "#")
        if isinstance(node, dict) and node.get("x-olt-inferred") is True
    }


class Judge:
    """Weighs each recorded exchange against the inferred facts it touches."""

    def __init__(self) -> None:
        self.facts = inferred()
        self._ids = {id(node): pointer for pointer, node in _walk(spec.openapi(), "#") if isinstance(node, dict)}

    def owner(self, pointer: str) -> Fact | None:
        """The innermost inferred fact containing `pointer`."""
        best = None
        for candidate in self.facts:
            if (pointer == candidate or pointer.startswith(candidate + "/")) and (
                best is None or len(candidate) > len(best)
            ):
                best = candidate
        return self.facts[best] if best else None

    @functools.cache  # noqa: B019 - one judge per report
    def reachable(self, schema_pointer: str) -> tuple[str, ...]:
        """Inferred facts inside the schema at `schema_pointer`, following $refs."""
        seen: set[str] = set()
        found: list[str] = []
        stack = [schema_pointer if schema_pointer.startswith("#") else "#" + schema_pointer]
        while stack:
            pointer = stack.pop()
            if pointer in seen:
                continue
            seen.add(pointer)
            node = spec.lookup(spec.openapi(), pointer[1:])
            for inner, value in _walk(node, pointer):
                if isinstance(value, dict):
                    if value.get("x-olt-inferred") is True:
                        found.append(inner)
                    if isinstance(value.get("$ref"), str):
                        stack.append(value["$ref"])
        return tuple(dict.fromkeys(found))

    def weigh(self, exchange: Exchange) -> None:
        if exchange.operation_id is None:
            return
        op = spec.operation(exchange.operation_id)
        documented = {str(code) for code in op.raw.get("responses", {})}
        status = str(exchange.status)
        operation_fact = self._fact(op, "operation")
        response_fact = self._fact(op, "response", status)
        if documented and status not in documented and not status.startswith("5"):
            why = f"#{exchange.seq} {exchange.method} {exchange.path} answered {status}, not listed in the contract"
            for fact in (operation_fact, *self._facts(op, "response")):
                if fact is not None and (fact.kind == "operation" or fact.detail[:1] == status[:1]):
                    fact.contradict(why)
            return
        if operation_fact is not None:
            operation_fact.confirmed += 1
        self._parameters(op, exchange)
        self._body(op, exchange, response_fact)

    def _facts(self, op: spec.Operation, kind: str) -> list[Fact]:
        return [f for f in self.facts.values() if f.operation_id == op.operation_id and f.kind == kind]

    def _fact(self, op: spec.Operation, kind: str, detail: str = "") -> Fact | None:
        found = [f for f in self._facts(op, kind) if not detail or f.detail == detail]
        return found[0] if found else None

    def _parameters(self, op: spec.Operation, exchange: Exchange) -> None:
        body = exchange.response_body if isinstance(exchange.response_body, dict) else {}
        complaint = f"{body.get('errorMessage', '')} {body.get('details', '')}"
        for fact in self._facts(op, "parameter"):
            if f"{fact.detail}=" not in exchange.query and fact.detail not in exchange.path:
                continue
            if 200 <= exchange.status < 300:
                fact.confirmed += 1
            elif exchange.status == 400 and fact.detail in complaint:
                where = f"#{exchange.seq} {exchange.method} {exchange.path}?{exchange.query}"
                fact.contradict(f"{where}: {complaint[:160]}")
        for fact in self._facts(op, "request body"):
            if exchange.request_body is None:
                continue
            if 200 <= exchange.status < 300:
                fact.confirmed += 1

    def _body(self, op: spec.Operation, exchange: Exchange, response_fact: Fact | None) -> None:
        pointer = op.response_schema_pointer(exchange.status)
        if pointer is None or not isinstance(exchange.response_body, dict | list):
            if response_fact is not None:
                response_fact.confirmed += 1
            return
        errors = list(spec.validator(pointer).iter_errors(exchange.response_body))
        if not errors:
            for inner in (*self.reachable(pointer), *([response_fact.pointer] if response_fact else [])):
                self.facts[inner].confirmed += 1
            return
        for error in errors:
            where = self._ids.get(id(error.schema), "")
            fact = self.owner(where) or response_fact
            if fact is not None:
                location = "/".join(str(p) for p in error.absolute_path) or "(body)"
                fact.contradict(
                    f"#{exchange.seq} {exchange.method} {exchange.path} -> {exchange.status}: "
                    f"{location}: {error.message[:160]}"
                )

    def summary(self) -> dict[str, int]:
        counts = {CONFIRMED: 0, CONTRADICTED: 0, UNTESTED: 0}
        for fact in self.facts.values():
            counts[fact.verdict] += 1
        return counts
