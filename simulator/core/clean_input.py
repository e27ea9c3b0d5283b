"""What may enter the world from outside: JSON whose every string encodes as UTF-8, nested at most
`MAX_JSON_DEPTH` deep.

Python's JSON parser accepts lone surrogates (`"\\ud800"`) in escapes; stored, such a string makes
every later response that shows it fail to encode, and a deeply nested value makes every reader
recurse. Control characters are not refused here: JSON escapes them on the way out, and where the
contract forbids them (its `pattern`s) request validation refuses them already. The transports
refuse these at the edge (HTTP: 400 naming the JSON path, MQTT: a diagnostics entry), so the world
only ever holds text it can send back.
"""

from __future__ import annotations

import re
from typing import Any

from simulator.core.errors import BadRequest

#: Deepest nesting of a request body or MQTT payload (a device type's JSON schema needs ~10).
MAX_JSON_DEPTH = 64
#: Lone UTF-16 surrogates (a valid pair never reaches Python as two code points).
_FORBIDDEN = re.compile("[\ud800-\udfff]")


def _text_problem(text: str) -> str | None:
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    return f"contains a lone surrogate (\\u{ord(found.group()):04x}) that is not text"


def input_problem(value: Any) -> tuple[str, str] | None:
    """(JSON path, message) of the first thing in `value` the world must not store; None when clean."""
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    while stack:
        item, path, depth = stack.pop()
        kind = type(item)
        if kind is str:
            problem = _text_problem(item)
            if problem:
                return path, problem
        elif kind is dict or kind is list:
            if depth >= MAX_JSON_DEPTH:
                return path, f"nests deeper than {MAX_JSON_DEPTH} levels"
            if kind is dict:
                for key, child in item.items():
                    problem = _text_problem(key)
                    if problem:
                        return f"{path}.{key.encode('utf-8', 'backslashreplace').decode()}", f"its name {problem}"
                    stack.append((child, f"{path}.{key}", depth + 1))
            else:
                stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
    return None


def refuse_unclean(value: Any) -> None:
    """BadRequest (400, the JSON path in `details`) when `value` holds what the world must not store."""
    problem = input_problem(value)
    if problem is not None:
        path, message = problem
        raise BadRequest(f"The body is refused: {path} {message}", details=[{"path": path, "message": message}])
