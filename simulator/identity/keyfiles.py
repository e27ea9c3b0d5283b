"""Where the simulator keeps private keys, and how it writes them safely.

Keys are random (generated with `cryptography`, never derived from the public seed) and kept
so that tokens and `ca.pem` stay trusted across restarts: in the state directory when there is
one, else in a per-user cache directory (`OLT_SIM_CACHE_DIR`, else `$XDG_CACHE_HOME/olt-simulator`,
else `~/.cache/olt-simulator`). Files are mode 0600 and appear atomically (temp file, fsync,
link), and the first writer wins: two processes starting together end up with the same key.
A key loaded once is reused by the whole process (the test suite builds many simulators).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from simulator.persistence.files import write_atomically

CACHE_ENV = "OLT_SIM_CACHE_DIR"
K = TypeVar("K", bound=PrivateKeyTypes)

_loaded: dict[tuple[str, int, int], PrivateKeyTypes] = {}
_lock = threading.Lock()


def cache_dir() -> Path:
    """The per-user directory for keys when no state directory is given."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "olt-simulator"


def key_home(state_dir: Path | None) -> Path:
    return state_dir if state_dir is not None else cache_dir()


def private_key_pem(key: PrivateKeyTypes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load(path: Path, kind: type[object]) -> PrivateKeyTypes | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    if stat.st_mode & 0o077:  # written by an older version: private keys are for this user only
        path.chmod(0o600)
    cache_key = (str(path.resolve()), stat.st_ino, stat.st_mtime_ns)
    key = _loaded.get(cache_key)
    if key is None:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        _loaded[cache_key] = key
    if not isinstance(key, kind):
        raise ValueError(f"{path} does not hold a {kind.__name__}")
    return key


def load_or_generate(path: Path, kind: type[object], generate: Callable[[], K]) -> K:
    """The key stored at `path`; generated and stored (0600, atomically) when there is none."""
    with _lock:
        key = _load(path, kind)
        if key is None:
            write_atomically(path, private_key_pem(generate()), replace=False)
            key = _load(path, kind)  # whoever won the race, everyone uses the stored key
        assert key is not None
        return cast(K, key)  # `kind` is the abstract class of K (mypy refuses abstract classes as type[K])
