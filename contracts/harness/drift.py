"""The drift report: replay a recorded session against the simulator and say where they differ.

`olt-sim contract --record DIR` keeps every exchange with a target (usually the real platform).
Replaying the requests in order against the simulator - with the ids the target handed out mapped
to the ones the simulator hands out - shows per operation where the simulator answers differently:
status, error code and message, response shape (fields in one only, types), the headers that matter
(Location, Allow, content type) and pagination meta. Alongside, facts.py weighs the recording
against the contract's `x-olt-inferred` facts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from contracts.harness.facts import Judge
from contracts.harness.recording import Exchange, Session, contains_scrubbed, decode_body, token_claims
from contracts.harness.target import OTHER_TENANT, OWNER

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class Difference:
    kind: str  #: status, error code, error message, field, type, header, pagination
    detail: str


@dataclass
class OperationDrift:
    operation_id: str
    exchanges: int = 0
    replayed: int = 0
    differences: dict[Difference, list[int]] = field(default_factory=dict)  #: -> seqs of the exchanges

    def add(self, difference: Difference, seq: int) -> None:
        self.differences.setdefault(difference, []).append(seq)


# -- comparing two answers


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def shape(value: Any, path: str = "$", out: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Every JSON path of the value with the types seen there (list items merged under `[]`)."""
    out = {} if out is None else out
    out.setdefault(path, set()).add(_type(value))
    if isinstance(value, dict):
        for key, inner in value.items():
            shape(inner, f"{path}.{key}", out)
    elif isinstance(value, list):
        for item in value:
            shape(item, f"{path}[]", out)
    return out


def _parent(path: str) -> str:
    return path[:-2] if path.endswith("[]") else path.rsplit(".", 1)[0]


def shape_differences(recorded: Any, replayed: Any) -> Iterator[Difference]:
    left, right = shape(recorded), shape(replayed)
    for path in sorted(set(left) | set(right)):
        if path in left and path in right:
            mine, theirs = left[path] - {"null"}, right[path] - {"null"}
            if mine and theirs and mine != theirs and not {"integer", "number"} >= mine | theirs:
                yield Difference(
                    "type",
                    f"{path} is {'|'.join(sorted(mine))} in the recording, {'|'.join(sorted(theirs))} in the simulator",
                )
            continue
        if _parent(path) not in (right if path in left else left):
            continue  # its parent is missing or an empty list on the other side: said once, there
        side = "recording" if path in left else "simulator"
        yield Difference("field", f"{path} only in the {side}")


def normalized(text: Any) -> str:
    return UUID.sub("<id>", str(text or "")).strip()


def compare(exchange: Exchange, status: int, headers: httpx.Headers, body: Any) -> Iterator[Difference]:
    if exchange.status != status:
        yield Difference("status", f"{exchange.status} in the recording, {status} in the simulator")
    recorded = exchange.response_body
    if exchange.status >= 400 and status >= 400 and isinstance(recorded, dict) and isinstance(body, dict):
        if recorded.get("errorCode") != body.get("errorCode"):
            yield Difference(
                "error code", f"{recorded.get('errorCode')} in the recording, {body.get('errorCode')} in the simulator"
            )
        elif normalized(recorded.get("errorMessage")) != normalized(body.get("errorMessage")):
            yield Difference(
                "error message",
                f"{normalized(recorded.get('errorMessage'))!r} in the recording, "
                f"{normalized(body.get('errorMessage'))!r} in the simulator",
            )
    for name in ("location", "allow", "content-type"):
        mine, theirs = exchange.response_headers.get(name), headers.get(name)
        if name == "content-type":
            mine, theirs = (v.split(";")[0].strip() if v else v for v in (mine, theirs))
        if name == "location" and mine and theirs:
            mine, theirs = (normalized(re.sub(r"^\w+://[^/]+", "", v)) for v in (mine, theirs))
        if (mine or None) != (theirs or None):
            yield Difference("header", f"{name}: {mine!r} in the recording, {theirs!r} in the simulator")
    if exchange.status != status:
        return
    if isinstance(recorded, dict) and isinstance(body, dict) and ("meta" in recorded or "meta" in body):
        yield from _pagination(recorded.get("meta"), body.get("meta"))
    if isinstance(recorded, dict | list) and isinstance(body, dict | list):
        yield from (d for d in shape_differences(recorded, body) if not d.detail.startswith("$.meta"))


def _pagination(mine: Any, theirs: Any) -> Iterator[Difference]:
    if not isinstance(mine, dict) or not isinstance(theirs, dict):
        yield Difference("pagination", f"meta is {_type(mine)} in the recording, {_type(theirs)} in the simulator")
        return
    if set(mine) != set(theirs):
        yield Difference("pagination", f"meta keys {sorted(mine)} in the recording, {sorted(theirs)} in the simulator")
    for key in ("page", "pageSize"):
        if key in mine and key in theirs and mine[key] != theirs[key]:
            yield Difference("pagination", f"meta.{key} {mine[key]} in the recording, {theirs[key]} in the simulator")


# -- replaying


class Replayer:
    """Sends the recorded requests to a simulator, mapping the recording's ids to the simulator's."""

    def __init__(self, client: httpx.Client, session: Session) -> None:
        self.client = client
        self.tokens = {"primary": self._mint({"user": OWNER}), "invalid": "invalid-token"}
        tenant = self._sim("/_sim/tenants", {"name": OTHER_TENANT, "owner": OWNER})
        if isinstance(tenant, dict) and tenant.get("tenantId"):
            self.tokens["other"] = self._mint({"user": OWNER, "tenant": tenant["tenantId"]})
        claims = token_claims(self.tokens["primary"] or "")
        self.ids: dict[str, str] = {}
        for recorded, replayed in ((session.user_id, claims.get("sub")), (session.tenant_id, claims.get("tenant"))):
            if recorded and replayed:
                self.ids[recorded] = str(replayed)

    def _sim(self, path: str, body: dict[str, Any]) -> Any:
        response = self.client.post(path, json=body)
        if response.status_code >= 300:
            raise RuntimeError(
                f"{self.client.base_url} is not an olt simulator (POST {path} answered "
                f"{response.status_code}); drift replays against the simulator only"
            )
        return response.json()

    def _mint(self, body: dict[str, Any]) -> str:
        return str(self._sim("/_sim/tokens", body)["access_token"])

    def mapped(self, value: Any) -> Any:
        if isinstance(value, str):
            return UUID.sub(lambda m: self.ids.get(m.group(0), m.group(0)), value)
        if isinstance(value, dict):
            return {self.mapped(k): self.mapped(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mapped(v) for v in value]
        return value

    def learn(self, recorded: Any, replayed: Any) -> None:
        """Ids at the same place of a create's answer in both: the newest pairing wins, since a seeded
        world may hand the same id to two kinds of resources, and later requests name the newest."""
        if isinstance(recorded, dict) and isinstance(replayed, dict):
            for key in recorded.keys() & replayed.keys():
                self.learn(recorded[key], replayed[key])
        elif isinstance(recorded, list) and isinstance(replayed, list) and len(recorded) == len(replayed):
            for mine, theirs in zip(recorded, replayed, strict=True):
                self.learn(mine, theirs)
        elif isinstance(recorded, str) and isinstance(replayed, str) and _both_ids(recorded, replayed):
            self.ids[recorded] = replayed

    def send(self, exchange: Exchange) -> httpx.Response:
        raw, parsed = decode_body(exchange.request_body)
        headers = {"Content-Type": exchange.request_content_type} if exchange.request_content_type else {}
        token = self.tokens.get(exchange.auth)
        if exchange.auth != "none" and token:
            headers["Authorization"] = f"Bearer {token}"
        content = json.dumps(self.mapped(parsed)).encode() if parsed is not None else raw
        url = self.mapped(exchange.path) + (f"?{self.mapped(exchange.query)}" if exchange.query else "")
        response = self.client.request(exchange.method, url, content=content, headers=headers)
        if exchange.method in ("POST", "PUT", "PATCH") and 200 <= exchange.status < 300 and response.is_success:
            self.learn(exchange.response_body, _json(response))
            for recorded, replayed in ((exchange.response_headers.get("location"), response.headers.get("location")),):
                if recorded and replayed:
                    for mine, theirs in zip(UUID.findall(recorded), UUID.findall(replayed), strict=False):
                        self.ids[mine] = theirs
        return response


def _credentials_scrubbed(exchange: Exchange) -> bool:
    """Whether the request needs a secret the recording left out: an OAuth form or query parameter.
    (A JSON field that merely has a secret's name - a notification template's `token` - is replayed
    as recorded: it is data, and the resources created from it are needed later.)"""
    body = exchange.request_body
    return contains_scrubbed(exchange.query) or (isinstance(body, dict) and "form" in body and contains_scrubbed(body))


def _both_ids(recorded: str, replayed: str) -> bool:
    return bool(UUID.fullmatch(recorded)) and bool(UUID.fullmatch(replayed))


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


@dataclass
class DriftReport:
    session: Session
    operations: dict[str, OperationDrift]
    skipped: list[str]
    judge: Judge

    @property
    def drift(self) -> int:
        """How many (operation, difference) pairs there are."""
        return sum(len(op.differences) for op in self.operations.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": self.session.__dict__,
            "drift": self.drift,
            "operations": [
                {
                    "operationId": op.operation_id,
                    "exchanges": op.exchanges,
                    "replayed": op.replayed,
                    "differences": [
                        {"kind": d.kind, "detail": d.detail, "count": len(seqs), "exchanges": seqs[:10]}
                        for d, seqs in op.differences.items()
                    ],
                }
                for op in self.operations.values()
            ],
            "skipped": self.skipped,
            "facts": {
                "summary": self.judge.summary(),
                "items": [
                    {
                        "pointer": f.pointer,
                        "kind": f.kind,
                        "operationId": f.operation_id,
                        "detail": f.detail,
                        "verdict": f.verdict,
                        "confirmed": f.confirmed,
                        "contradicted": f.contradicted,
                        "evidence": f.evidence,
                    }
                    for f in self.judge.facts.values()
                ],
            },
        }


def replay(client: httpx.Client, session: Session, exchanges: list[Exchange]) -> DriftReport:
    replayer = Replayer(client, session)
    judge = Judge()
    operations: dict[str, OperationDrift] = {}
    skipped: list[str] = []
    for exchange in exchanges:
        name = exchange.operation_id or f"{exchange.method} {exchange.path} (no contract operation)"
        drift = operations.setdefault(name, OperationDrift(name))
        drift.exchanges += 1
        judge.weigh(exchange)
        if _credentials_scrubbed(exchange):
            skipped.append(f"#{exchange.seq} {name}: carries a scrubbed secret, not replayed")
            continue
        if exchange.auth not in replayer.tokens and exchange.auth != "none":
            skipped.append(f"#{exchange.seq} {name}: sent with a token the session obtained itself, not replayed")
            continue
        response = replayer.send(exchange)
        drift.replayed += 1
        for difference in compare(exchange, response.status_code, response.headers, _json(response)):
            drift.add(difference, exchange.seq)
    return DriftReport(session, operations, skipped, judge)
