"""Recording a session with a target (`olt-sim contract --record DIR`) for the drift report.

Every exchange the harness has with the API is appended to `DIR/recording.jsonl` as it happens: the
request (method, contract path, query, body), which credentials it carried (a label, never the
token), the status, the headers that matter and the response body. Secrets are scrubbed on the way
in (tokens, client secrets, passwords, one-time codes, signed URLs); ids are kept, because replaying
the session needs them. The first line describes the session: target, mode, and whose user and
tenant the run acted as (ids from the token's claims, so a replay can map them).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

FILE = "recording.jsonl"
SCRUBBED = "***"
#: Field and parameter names whose values are secrets (compared case-insensitively, anywhere in a body).
SECRET = re.compile(r"(token|secret|password|assertion|code_verifier|authorization|cookie)$|^code$", re.IGNORECASE)
#: Response headers the drift report compares.
KEPT_HEADERS = ("location", "allow", "content-type")


def token_claims(token: str) -> dict[str, Any]:
    """The (unverified) claims of a JWT: whose user and tenant a session acted as ({} if not a JWT)."""
    parts = token.removeprefix("Bearer ").split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


def scrub(value: Any) -> Any:
    """The value with every secret replaced by `***` (dict keys by name, URLs by their query)."""
    if isinstance(value, dict):
        return {k: SCRUBBED if SECRET.search(str(k)) and v is not None else scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    if isinstance(value, str) and "?" in value and "=" in value and "://" in value:
        return scrub_query_of(value)
    return value


def scrub_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, SCRUBBED if SECRET.search(k) else v) for k, v in pairs])


def scrub_query_of(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(query=scrub_query(parts.query)).geturl()


def encode_body(raw: bytes | str | None, content_type: str) -> Any:
    """A body as JSON can hold it: parsed JSON, a form as a dict, text, or {"base64": ...}; scrubbed."""
    if raw is None or raw == b"" or raw == "":
        return None
    data = raw.encode() if isinstance(raw, str) else raw
    media = content_type.split(";")[0].strip().lower()
    if media.endswith("json"):
        try:
            return scrub(json.loads(data))
        except ValueError:
            pass
    if media == "application/x-www-form-urlencoded":
        return {"form": scrub(dict(parse_qsl(data.decode(errors="replace"), keep_blank_values=True)))}
    try:
        return {"text": data.decode()}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode()}


def decode_body(body: Any) -> tuple[bytes | None, Any]:
    """(raw bytes, parsed JSON or None) of a recorded body."""
    if body is None:
        return None, None
    if isinstance(body, dict) and set(body) == {"form"}:
        return urlencode(body["form"]).encode(), None
    if isinstance(body, dict) and set(body) == {"text"}:
        return str(body["text"]).encode(), None
    if isinstance(body, dict) and set(body) == {"base64"}:
        return base64.b64decode(body["base64"]), None
    return json.dumps(body).encode(), body


def contains_scrubbed(value: Any) -> bool:
    if isinstance(value, dict):
        return any(contains_scrubbed(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_scrubbed(v) for v in value)
    return value == SCRUBBED or (isinstance(value, str) and f"={SCRUBBED}" in value)


@dataclass
class Exchange:
    seq: int
    operation_id: str | None
    method: str
    path: str  #: as the contract spells it, with /v1
    query: str
    #: which credentials: "primary", "other", "none", "invalid" or "obtained" (a token the session got itself)
    auth: str
    request_content_type: str
    request_body: Any
    status: int
    response_headers: dict[str, str]
    response_body: Any

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@dataclass
class Session:
    base_url: str
    mode: str
    user_id: str | None = None
    tenant_id: str | None = None
    started: float = field(default_factory=time.time)


class Recorder:
    """Appends each exchange to the recording as it happens (a crash keeps what was sent)."""

    def __init__(self, directory: str | Path, session: Session, auth_label: Callable[[str | None], str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / FILE
        self.auth_label = auth_label
        self.seq = 0
        with self.path.open("w", encoding="utf-8") as out:
            out.write(json.dumps({"session": asdict(session)}) + "\n")

    def record(
        self,
        operation_id: str | None,
        method: str,
        path: str,
        query: str,
        request_headers: dict[str, str],
        request_body: bytes | str | None,
        status: int,
        response_headers: dict[str, str],
        response_body: bytes,
    ) -> None:
        self.seq += 1
        lowered = {k.lower(): v for k, v in response_headers.items()}
        request_type = {k.lower(): v for k, v in request_headers.items()}.get("content-type", "")
        exchange = Exchange(
            seq=self.seq,
            operation_id=operation_id,
            method=method.upper(),
            path=path,
            query=scrub_query(query),
            auth=self.auth_label({k.lower(): v for k, v in request_headers.items()}.get("authorization")),
            request_content_type=request_type,
            request_body=encode_body(request_body, request_type),
            status=status,
            response_headers={
                k: scrub_query_of(lowered[k]) if k == "location" else lowered[k] for k in KEPT_HEADERS if k in lowered
            },
            response_body=encode_body(response_body, lowered.get("content-type", "")),
        )
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(exchange), default=str) + "\n")


def load(directory: str | Path) -> tuple[Session, list[Exchange]]:
    """The session and its exchanges, in the order they happened."""
    path = Path(directory) / FILE
    if not path.is_file():
        raise FileNotFoundError(f"no recording in {directory} (expected {FILE}; make one with --record)")
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    return Session(**json.loads(next(lines))["session"]), list(_exchanges(lines))


def _exchanges(lines: Iterator[str]) -> Iterator[Exchange]:
    for line in lines:
        if line.strip():
            yield Exchange.from_dict(json.loads(line))
