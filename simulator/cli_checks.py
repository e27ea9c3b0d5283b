"""Argument types of the security flags of `olt-sim serve` (bad values: one clear line, exit 2)."""

from __future__ import annotations

import argparse
import re
from urllib.parse import urlsplit

CONTROL_TOKEN_ENV = "OLT_SIM_CONTROL_TOKEN"
_TOKEN = re.compile(r"[\x21-\x7e]{16,512}")  # printable ASCII, no spaces: it travels in a header


def control_token(value: str) -> str:
    if not _TOKEN.fullmatch(value):
        raise argparse.ArgumentTypeError("a control token is 16 to 512 printable ASCII characters without spaces")
    return value


def redirect_uri(value: str) -> str:
    """An absolute http(s) URL without userinfo or fragment; a `*` is allowed only at the end."""
    try:
        parts = urlsplit(value.removesuffix("*"))
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise argparse.ArgumentTypeError(f"{value!r} is not an absolute http(s) URL")
    if "@" in parts.netloc or "\\" in value or parts.fragment or "*" in value[:-1]:
        raise argparse.ArgumentTypeError(f"{value!r}: no userinfo, backslash, fragment, or '*' but at the end")
    return value
