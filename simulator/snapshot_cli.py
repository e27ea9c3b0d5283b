"""`olt-sim snapshot save FILE` / `olt-sim snapshot load FILE` against a running simulator.

A saved file is exactly what GET /_sim/snapshot answers; loading PUTs it back, and the server checks
it whole before anything changes (a refusal names the JSON path). Both print one line and exit 0,
1 when the server refused, 2 when it cannot be reached or the file cannot be read or written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

import httpx

TIMEOUT = 120.0  # a big world takes a while to encode or check


def _refusal(response: httpx.Response) -> str:
    try:
        return str(response.json().get("errorMessage", response.text))
    except ValueError:
        return response.text.strip()[:200]


def _exchange(method: str, url: str, err: TextIO, **options: Any) -> httpx.Response | None:
    """One call to /_sim/snapshot; None (and one line on `err`) when the simulator cannot be reached."""
    try:
        return httpx.request(method, f"{url.rstrip('/')}/_sim/snapshot", timeout=TIMEOUT, **options)
    except httpx.HTTPError as exc:
        print(f"olt-sim snapshot: cannot reach the simulator at {url}: {exc}", file=err)
        return None


def save(
    url: str, file: str, out: TextIO | None = None, err: TextIO | None = None, headers: dict[str, str] | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    response = _exchange("GET", url, err, headers=headers)
    if response is None:
        return 2
    if response.status_code != 200:
        print(f"olt-sim snapshot: the simulator refused ({response.status_code}): {_refusal(response)}", file=err)
        return 1
    target = Path(file)
    try:
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(response.content)
        tmp.replace(target)
    except OSError as exc:
        print(f"olt-sim snapshot: cannot write {file}: {exc.strerror}", file=err)
        return 2
    print(f"saved the world of {url} to {file} ({len(response.content):,} bytes)", file=out)
    return 0


def load(
    url: str, file: str, out: TextIO | None = None, err: TextIO | None = None, headers: dict[str, str] | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        body = Path(file).read_bytes()
    except OSError as exc:
        print(f"olt-sim snapshot: cannot read {file}: {exc.strerror}", file=err)
        return 2
    response = _exchange("PUT", url, err, content=body, headers={**(headers or {}), "content-type": "application/json"})
    if response is None:
        return 2
    if response.status_code != 204:
        print(f"olt-sim snapshot: {file} was refused: {_refusal(response)}", file=err)
        return 1
    print(f"loaded {file} into {url}", file=out)
    return 0
