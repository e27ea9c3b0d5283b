"""The same instant written another way the RFC 3339 `date-time` format admits."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

# Real offsets at the edges of what is in use (+14:00 Kiribati, -12:00 Baker Island), the
# half-hour ones, UTC spelled +00:00, and -00:00 ("UTC, local offset unknown" in RFC 3339).
OFFSETS = ("Z", "+00:00", "-00:00", "+05:30", "-03:30", "+14:00", "-12:00", "+01:00", "-08:00")
FRACTIONS = (0, 3, 6, 9)  # digits after the seconds; 0 only when no precision is lost


def parse(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def render(moment: datetime, offset: str, digits: int, lower: bool) -> str:
    """`moment` at `offset`, with `digits` fraction digits (3, 6 or 9; 0 drops the fraction)."""
    if offset in ("Z", "+00:00", "-00:00"):
        local = moment.astimezone(UTC)
    else:
        sign = 1 if offset[0] == "+" else -1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
        local = moment.astimezone(timezone(sign * delta))
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{local.microsecond:06d}{'000'}"[:digits]
    text += offset
    return text.lower() if lower else text


def vary(text: str, details: random.Random) -> str | None:
    """Another spelling of the instant in `text` (None when it is not a date-time we can read)."""
    moment = parse(text)
    if moment is None:
        return None
    digits_choices = [d for d in FRACTIONS if d >= 3 or moment.microsecond == 0]
    if moment.microsecond % 1000:
        digits_choices = [d for d in digits_choices if d >= 6]
    for _ in range(8):
        candidate = render(
            moment, details.choice(OFFSETS), details.choice(digits_choices), lower=details.random() < 0.15
        )
        if candidate != text:
            return candidate
    return None
