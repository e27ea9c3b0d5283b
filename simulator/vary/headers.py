"""Header names in other cases and another order, plus one unknown header: HTTP says none of it matters."""

from __future__ import annotations

import random

from simulator.vary.body import Applied
from simulator.vary.choices import Decider

RawHeaders = list[tuple[bytes, bytes]]
EXTRA_HEADER = (b"x-olt-sim-extra", b"ignore-me")


def recase(name: bytes, details: random.Random) -> bytes:
    style = details.randrange(3)
    text = name.decode("latin-1")
    if style == 0:
        text = text.upper()
    elif style == 1:
        text = "-".join(part.capitalize() for part in text.split("-"))
    else:
        text = "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(text))
    return text.encode("latin-1")


def vary_headers(decider: Decider, headers: RawHeaders, body: bytes | None, applied: list[Applied]) -> RawHeaders:
    """The response's headers (with the new body's length), varied by up to three decisions."""
    result = list(headers)
    if body is not None:
        result = [(k, v) for k, v in result if k.lower() != b"content-length"]
        result.append((b"content-length", str(len(body)).encode()))
    index = decider.decide("headers")
    if index is not None:
        details = decider.details(index)
        result = [(recase(k, details), v) for k, v in result]
        applied.append(Applied(index, "headers", "names", "in another case"))
    index = decider.decide("headers")
    if index is not None:
        decider.details(index).shuffle(result)
        applied.append(Applied(index, "headers", "order", "shuffled"))
    index = decider.decide("headers")
    if index is not None:
        result.append(EXTRA_HEADER)
        applied.append(Applied(index, "headers", EXTRA_HEADER[0].decode(), "an unknown header"))
    return result
