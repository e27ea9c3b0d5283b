"""Hypothesis strategies for the payloads of `contracts/olt-asyncapi.yaml`, valid and invalid.

The AsyncAPI payload schemas are wrapped into a small OpenAPI document (one operation per
message, the payload as its request body) so schemathesis' generators produce them: positive
mode gives payloads the schema accepts, negative mode payloads it rejects.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

from contracts import spec


def messages() -> list[str]:
    """Names of the messages in components.messages (dataIngest, eventIngest, ...)."""
    return list(spec.asyncapi()["components"]["messages"])


def payload_pointer(message: str) -> str:
    """JSON pointer (into the AsyncAPI document) of a message's payload schema."""
    payload = spec.asyncapi()["components"]["messages"][message]["payload"]
    ref = payload.get("$ref")
    return ref[1:] if ref else spec.pointer("components", "messages", message, "payload")


def channel(message: str) -> str:
    """The address of the (first) channel carrying a message, e.g. ``data-ingest``."""
    wanted = f"#/components/messages/{message}"
    for item in spec.asyncapi()["channels"].values():
        if any(m.get("$ref") == wanted for m in (item.get("messages") or {}).values()):
            return str(item["address"])
    raise KeyError(f"no channel carries {message}")


def is_valid(message: str, payload: Any) -> bool:
    return bool(spec.validator(payload_pointer(message), "asyncapi").is_valid(payload))


def _as_openapi() -> dict[str, Any]:
    doc = spec.asyncapi()
    paths = {
        f"/{name}": {
            "post": {
                "operationId": name,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#" + payload_pointer(name)}}},
                },
                "responses": {"200": {"description": "accepted"}},
            }
        }
        for name in doc["components"]["messages"]
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "OLT AsyncAPI payloads", "version": "1"},
        "paths": paths,
        "components": {"schemas": copy.deepcopy(doc["components"]["schemas"])},
    }


@functools.cache
def _schema() -> OpenApiSchema:
    config = SchemathesisConfig.from_dict({"generation": {"allow-x00": False}})
    return schemathesis.openapi.from_dict(_as_openapi(), config=config)


def payloads(message: str, *, valid: bool = True) -> st.SearchStrategy[Any]:
    """Payloads of `message` that its schema accepts (valid) or rejects (invalid)."""
    mode = GenerationMode.POSITIVE if valid else GenerationMode.NEGATIVE
    strategy = _schema().find_operation_by_id(message).as_strategy(generation_mode=mode)
    bodies = strategy.map(lambda case: case.body)
    if valid:
        return bodies
    # Raw bytes (a body that is not JSON at all) are wire_payloads' garbage; and "invalid" means what the
    # contract's validator rejects (schemathesis also negates formats jsonschema does not check, like uri).
    return bodies.filter(lambda body: not isinstance(body, bytes | bytearray) and not is_valid(message, body))


def wire_payloads(message: str) -> st.SearchStrategy[tuple[str, bytes]]:
    """What may arrive on a topic: ("valid" | "invalid" | "garbage", bytes)."""
    return st.one_of(
        payloads(message).map(lambda p: ("valid", json.dumps(p).encode())),
        payloads(message, valid=False).map(lambda p: ("invalid", json.dumps(p).encode())),
        st.binary(max_size=64).filter(_not_json).map(lambda b: ("garbage", b)),
    )


def _not_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return True
    return False
