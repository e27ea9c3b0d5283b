"""Header names in other cases and another order, plus one unknown header: HTTP says none of it matters."""

from __future__ import annotations

import random

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
