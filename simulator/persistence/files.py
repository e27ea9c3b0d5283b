"""Crash-safe file writes: a reader after kill -9 sees the old file or the new one, never half."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Make renames in `directory` durable (a no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write a temp file beside `path`, fsync it, rename it over `path`, fsync the directory."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


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
            view = view[os.write(fd, view):]
        os.fsync(fd)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)
