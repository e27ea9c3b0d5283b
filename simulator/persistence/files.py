"""Crash-safe file writes: a reader after kill -9 sees the old file or the new one, never half."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Make renames in `directory` durable (a no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomically(path: Path, data: bytes, *, replace: bool = True, mode: int = 0o600) -> bool:
    """Write `data` to `path` all at once: temp file, fsync, rename (or link when not `replace`), fsync dir.

    The one atomic writer for world files, keys and certificates. Returns False when `replace` is off
    and the file already existed (another process won the race: never overwrite its key).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temp, path)
        else:
            try:
                os.link(temp, path)
            except FileExistsError:
                return False
        fsync_dir(path.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def keep_previous(path: Path, previous: Path) -> None:
    """`previous` becomes a hard link to the current `path` (atomically), so a fallback always exists."""
    if not path.exists():
        return
    tmp = previous.with_name(previous.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.link(path, tmp)
    os.replace(tmp, previous)


def append_durably(path: Path, data: bytes) -> int:
    """Append `data`, fsync, and return the file's new length."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)
