"""Durations ("90s", "1h30m", "500ms", plain seconds) and rates ("6/h", "0.5/min") in scenario files."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|min|s|m|h|d|w)")


def parse_duration(value: object) -> float:
    """Seconds from a number or a string like "1h30m"; ValueError names the accepted forms."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '90s', '5m', '1h30m'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        pos, seconds = 0, 0.0
        for match in _PART.finditer(text):
            if match.start() != pos:
                break
            seconds += float(match.group(1)) * _UNITS[match.group(2)]
            pos = match.end()
        if not text or pos != len(text):
            try:
                seconds = float(text)
            except ValueError:
                raise ValueError(
                    f"{value!r} is not a duration (use seconds or units ms, s, m, h, d, w, e.g. '1h30m')"
                ) from None
    else:
        raise ValueError("a duration is a number of seconds or a string like '90s', '5m', '1h30m'")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def parse_rate(value: object) -> float:
    """Occurrences per second from "N/unit" ("6/h", "1/5m") or a number (per second)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        rate = float(value)
    elif isinstance(value, str) and "/" in value:
        count, _, per = value.partition("/")
        try:
            amount = float(count)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate (e.g. '6/h', '1/5m', '0.5/min')") from None
        span = parse_duration(per if per[:1].isdigit() else "1" + per)
        if span <= 0:
            raise ValueError(f"{value!r}: the period must be positive")
        rate = amount / span
    else:
        raise ValueError(f"{value!r} is not a rate (e.g. '6/h', '1/5m', '0.5/min')")
    if rate < 0:
        raise ValueError("a rate cannot be negative")
    return rate


def format_duration(seconds: float) -> str:
    """`3725.0` -> "1:02:05" (hours may exceed 24) for progress lines and summaries."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
