"""Where a key sits in a TOML file: tomllib gives values, not positions, so errors look it up here.

A light line scanner, not a parser: it follows `[table]` / `[[array]]` headers and `key = value`
lines (dotted and quoted keys too) and maps each key path to its line. Keys inside inline tables
and arrays map to the line of the key that holds them (the nearest known prefix).
"""

from __future__ import annotations

import re

KeyPath = tuple[str | int, ...]
_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _read_key(text: str, pos: int) -> tuple[list[str], int]:
    """Parse a dotted key starting at `pos`; return its parts and the position after it."""
    parts: list[str] = []
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] in "\"'":
            quote = text[pos]
            end = text.find(quote, pos + 1)
            if end < 0:
                return parts, len(text)
            parts.append(text[pos + 1 : end])
            pos = end + 1
        else:
            match = _BARE.match(text, pos)
            if not match:
                return parts, pos
            parts.append(match.group())
            pos = match.end()
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == ".":
            pos += 1
            continue
        return parts, pos


def key_lines(text: str) -> dict[KeyPath, int]:
    """Map every key path (array-of-table items by index) to its 1-based line number."""
    lines: dict[KeyPath, int] = {}
    table: KeyPath = ()
    array_counts: dict[KeyPath, int] = {}
    in_multiline: str | None = None
    depth = 0  # open brackets of a multi-line array / inline table
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        if not line or line.startswith("#"):
            continue
        if depth > 0:
            depth += _bracket_balance(line)
            continue
        if line.startswith("[["):
            parts, _ = _read_key(line, 2)
            if not parts:
                continue
            base = (*_resolve(tuple(parts[:-1]), array_counts), parts[-1])
            index = array_counts.get(base, -1) + 1
            array_counts[base] = index
            table = (*base, index)
            lines.setdefault(base, number)
            lines[table] = number
            continue
        if line.startswith("["):
            parts, _ = _read_key(line, 1)
            table = _resolve(tuple(parts), array_counts)
            lines.setdefault(table, number)
            continue
        parts, pos = _read_key(line, 0)
        rest = line[pos:].lstrip()
        if not parts or not rest.startswith("="):
            continue
        path = (*table, *parts)
        lines.setdefault(path, number)
        value = rest[1:].lstrip()
        for quote in ('"""', "'''"):
            if value.startswith(quote) and value.count(quote) == 1:
                in_multiline = quote
        depth = max(0, _bracket_balance(value))
    return lines


def _resolve(parts: KeyPath, array_counts: dict[KeyPath, int]) -> KeyPath:
    """A header under an array of tables refers to its latest item: [[a]] then [a.b] -> (a, i, b)."""
    resolved: KeyPath = ()
    for part in parts:
        resolved = (*resolved, part)
        if resolved in array_counts:
            resolved = (*resolved, array_counts[resolved])
    return resolved


def _bracket_balance(text: str) -> int:
    balance, quote = 0, ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            balance += 1
        elif char in "]}":
            balance -= 1
    return balance


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of `path`, or of its nearest ancestor that the scanner saw."""
    for end in range(len(path), 0, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None
