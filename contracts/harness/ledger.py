"""The resources a run created, written down the moment they appear.

One JSON line per event in ``<state dir>/<run id>.jsonl``, flushed at once, so a run that is killed
half-way can be finished later with ``olt-sim contract --cleanup RUN_ID``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_STATE_DIR = ".olt-harness"


def state_dir(given: str | None) -> Path:
    return Path(given or os.environ.get("OLT_HARNESS_STATE") or DEFAULT_STATE_DIR)


@dataclass
class Entry:
    path: str  #: resource path with the /v1 prefix, what cleanup deletes
    operation_id: str  #: the create that made it
    ids: list[str]
    deleted: bool = False


@dataclass
class Ledger:
    run_id: str
    base_url: str
    prefix: str
    file: Path | None = None
    entries: list[Entry] = field(default_factory=list)
    owned: set[str] = field(default_factory=set)

    @classmethod
    def start(cls, directory: Path | None, run_id: str, base_url: str, prefix: str) -> Ledger:
        ledger = cls(run_id, base_url, prefix)
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            ledger.file = directory / f"{run_id}.jsonl"
            ledger._write({"event": "run", "runId": run_id, "baseUrl": base_url, "prefix": prefix})
        return ledger

    @classmethod
    def load(cls, directory: Path, run_id: str) -> Ledger:
        file = directory / f"{run_id}.jsonl"
        if not file.exists():
            raise FileNotFoundError(f"no ledger for run {run_id} in {directory}")
        ledger: Ledger | None = None
        for line in file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            if record.get("event") == "run":
                ledger = ledger or cls(run_id, record["baseUrl"], record["prefix"], file)
            elif ledger is not None:
                ledger._apply(record)
        if ledger is None:
            raise ValueError(f"{file} is not a harness ledger")
        return ledger

    def created(self, path: str, operation_id: str, ids: set[str]) -> None:
        record = {"event": "created", "path": path, "operationId": operation_id, "ids": sorted(ids)}
        self._apply(record)
        self._write(record)

    def deleted(self, path: str) -> None:
        if any(e.path == path and not e.deleted for e in self.entries):
            record = {"event": "deleted", "path": path}
            self._apply(record)
            self._write(record)

    def discard(self) -> None:
        """Forget a run that left nothing behind (its file is only needed to finish a cleanup)."""
        if self.file is not None and not self.pending():
            self.file.unlink(missing_ok=True)

    def pending(self) -> list[Entry]:
        """What is still there, newest first (children go before their parents)."""
        return [e for e in reversed(self.entries) if not e.deleted]

    def _apply(self, record: dict[str, Any]) -> None:
        if record["event"] == "created":
            self.entries.append(Entry(record["path"], record["operationId"], list(record["ids"])))
            self.owned.update(record["ids"])
        elif record["event"] == "deleted":
            for entry in self.entries:
                if entry.path == record["path"]:
                    entry.deleted = True

    def _write(self, record: dict[str, Any]) -> None:
        if self.file is None:
            return
        with self.file.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
            out.flush()
