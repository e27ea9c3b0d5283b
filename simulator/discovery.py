"""How client commands find a running `olt-sim serve`: --url, $OLT_SIM_URL, else the file serve wrote.

`serve` writes `server.json` (its URLs and pid) into a per-user runtime dir
(`$XDG_RUNTIME_DIR/olt-sim`, else `~/.cache/olt-sim`) and, with `--state-dir`, into that dir too
(the runtime file names the latest server; a state dir's file names its own), and removes them on
exit. The world's persistence lives in `<state-dir>/world/`; this file sits beside it.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

FILE = "server.json"
DEFAULT_URL = "http://127.0.0.1:8080"


def runtime_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    return Path(base) / "olt-sim" if base else Path.home() / ".cache" / "olt-sim"


def server_file(state_dir: str | Path | None) -> Path:
    return (Path(state_dir) if state_dir else runtime_dir()) / FILE


def announce(info: dict[str, Any], state_dir: str | Path | None) -> list[Path]:
    """Write the running server's URLs; the files written (a directory that cannot be written is skipped)."""
    keys = ("baseUrl", "apiUrl", "realmUrl", "mqttUrl", "mqttsUrl")
    record: dict[str, Any] = {"pid": os.getpid(), **{key: info[key] for key in keys if key in info}}
    written = []
    for path in dict.fromkeys([server_file(None), *([server_file(state_dir)] if state_dir else [])]):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            temporary.replace(path)
        except OSError:
            continue
        written.append(path)
    return written


def withdraw(paths: list[Path]) -> None:
    """Remove our files (only those still ours: another serve may have replaced one)."""
    for path in paths:
        record = read(path)
        if record is not None and record.get("pid") == os.getpid():
            with contextlib.suppress(OSError):
                path.unlink()


def read(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_url(url: str | None, state_dir: str | Path | None = None) -> tuple[str, str]:
    """The server's base URL and where it came from: the flag/environment, the server file, or the default."""
    if url:
        return url.rstrip("/"), "--url"
    record = read(server_file(state_dir))
    if record is not None and alive(record.get("pid")) and isinstance(record.get("baseUrl"), str):
        return record["baseUrl"].rstrip("/"), str(server_file(state_dir))
    return DEFAULT_URL, "the default"
