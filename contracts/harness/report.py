"""What a run found, per operation: requests, statuses, distinct failures, not simulated, refused."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from contracts import spec


@dataclass
class Finding:
    """One distinct failure (same operation, check and title), with its first example."""

    operation_id: str
    check: str
    title: str
    message: str
    status: int | None
    request: str
    count: int = 1


@dataclass
class OperationSummary:
    operation_id: str
    method: str
    path: str
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    refused: int = 0
    not_simulated: bool = False
    failures: int = 0
    checks: set[str] = field(default_factory=set)  #: names of the checks its responses went through

    @property
    def reached(self) -> bool:
        """Whether a success response (1xx-3xx) was seen, so its success schema was checked."""
        return any(status < 400 for status in self.statuses)


@dataclass
class Cleanup:
    deleted: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    requests: int = 0  #: sent by cleanup (not counted against the budget)


@dataclass
class Report:
    run_id: str
    base_url: str
    mode: str
    seed: int
    max_examples: int
    operations: dict[str, OperationSummary] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    checks_not_run: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cleanup: Cleanup = field(default_factory=Cleanup)
    budget_exhausted: bool = False
    requests_total: int = 0
    timings: dict[str, float] = field(default_factory=dict)  #: seconds per phase
    #: Operations reported on (--operation); None: all of the contract.
    selected: tuple[str, ...] | None = None
    #: Fewest operations that must reach a success response for the run to pass (None: no floor).
    min_reached: int | None = None
    #: A `--cleanup RUN_ID` run: nothing is exercised, only what an earlier run left is deleted.
    cleanup_only: bool = False
    started: float = field(default_factory=time.time)
    duration: float = 0.0

    def __post_init__(self) -> None:
        if not self.operations:
            wanted = set(self.selected) if self.selected else None
            self.operations = {
                op.operation_id: OperationSummary(op.operation_id, op.method, op.full_path)
                for op in spec.operations()
                if wanted is None or op.operation_id in wanted
            }
        self._index: dict[tuple[str, str, str], Finding] = {}
        self.cleaning = False  #: set during cleanup: its requests are not part of any operation's record
        self.muted = False  #: set during preflight: its requests are not part of any operation's record
        self.preflight_requests = 0  #: sent by preflight (not counted against the budget)

    # -- recording

    def observe(self, operation_id: str | None, status: int | None) -> None:
        """Wire observer: count every request (status None = refused by safe mode)."""
        if self.muted:
            self.preflight_requests += status is not None
            return
        if status is not None:
            self.requests_total += 1
            if self.cleaning:
                self.cleanup.requests += 1
                return
        summary = self.operations.get(operation_id or "")
        if summary is None:
            return
        if status is None:
            summary.refused += 1
        else:
            summary.requests += 1
            summary.statuses[status] += 1

    def fail(self, operation_id: str, check: str, title: str, message: str, status: int | None, request: str) -> None:
        summary = self.operations.get(operation_id)
        if summary is not None:
            summary.failures += 1
        key = (operation_id, check, title)
        found = self._index.get(key)
        if found is not None:
            found.count += 1
            return
        finding = Finding(operation_id, check, title, message.strip(), status, request)
        self._index[key] = finding
        self.findings.append(finding)

    def not_simulated(self, operation_id: str) -> None:
        if operation_id in self.operations:
            self.operations[operation_id].not_simulated = True

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- reading

    @property
    def failures(self) -> int:
        return sum(f.count for f in self.findings)

    def checked(self, operation_id: str, checks: list[str]) -> None:
        summary = self.operations.get(operation_id)
        if summary is not None:
            summary.checks.update(checks)

    @property
    def reached(self) -> int:
        return sum(1 for s in self.operations.values() if s.reached)

    @property
    def short(self) -> bool:
        """Fewer operations reached a success response than --min-reached asks."""
        return self.min_reached is not None and self.reached < self.min_reached

    @property
    def ok(self) -> bool:
        return not self.findings and not self.cleanup.left and not self.short

    def verdict(self) -> str:
        """`passed, 53/125 operations reached` (or failed, with why)."""
        if self.cleanup_only:
            return "cleanup done" if self.ok else f"cleanup failed, {len(self.cleanup.left)} resources left behind"
        reached = f"{self.reached}/{len(self.operations)} operations reached"
        if self.ok:
            return f"passed, {reached}"
        why = [f"{len(self.findings)} distinct failures"] if self.findings else []
        if self.short:
            why.append(f"fewer than the {self.min_reached} required by --min-reached")
        if self.cleanup.left:
            why.append(f"{len(self.cleanup.left)} resources left behind")
        return f"failed, {reached} ({'; '.join(why)})"

    def failing_operations(self) -> set[str]:
        return {f.operation_id for f in self.findings}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["operations"] = [
            {
                **asdict(s),
                "statuses": {str(k): v for k, v in sorted(s.statuses.items())},
                "checks": sorted(s.checks),
                "reached": s.reached,
            }
            for s in self.operations.values()
        ]
        data["failures"] = self.failures
        data["ok"] = self.ok
        data["reached"] = self.reached
        data["verdict"] = self.verdict()
        return data

    def table(self) -> str:
        """The per-operation summary as plain text (what the CLI prints)."""
        rows = [("operation", "reached", "requests", "failures", "statuses", "checks", "note")]
        for s in self.operations.values():
            note = "not simulated" if s.not_simulated else (f"{s.refused} refused" if s.refused else "")
            if not s.requests and not note:
                note = "not exercised"
            statuses = " ".join(f"{k}x{v}" for k, v in sorted(s.statuses.items()))
            reached = "yes" if s.reached else "NO"
            rows.append((s.operation_id, reached, str(s.requests), str(s.failures), statuses, str(len(s.checks)), note))
        widths = [max(len(r[i]) for r in rows) for i in range(6)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[6] for r in rows]
        return "\n".join(line.rstrip() for line in lines)

    def summary(self) -> str:
        exercised = sum(1 for s in self.operations.values() if s.requests)
        not_simulated = sum(1 for s in self.operations.values() if s.not_simulated)
        lines = [
            f"{self.verdict()}: run {self.run_id} ({self.mode} mode, seed {self.seed}) against {self.base_url}: "
            f"{self.requests_total} requests in {self.duration:.1f}s, {exercised} operations exercised, "
            f"{not_simulated} not simulated, {len(self.findings)} distinct failures ({self.failures} in all)",
        ]
        missed = [s.operation_id for s in self.operations.values() if not s.reached and not s.not_simulated]
        if missed and not self.cleanup_only:
            lines.append(f"  not reached ({len(missed)}): " + ", ".join(missed))
        for finding in self.findings:
            lines.append(f"  FAIL {finding.operation_id} [{finding.check}] {finding.title} (x{finding.count})")
            lines.append(f"       {finding.request} -> {finding.status}")
            lines.extend("       " + line for line in finding.message.splitlines()[:6])
        if self.timings:
            lines.append("  phases: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.timings.items()))
        lines.extend(f"  not run: {text}" for text in self.checks_not_run)
        lines.extend(f"  note: {text}" for text in self.notes)
        if self.budget_exhausted:
            lines.append("  the request budget was used up before the run finished")
        if self.cleanup.deleted or self.cleanup.left:
            lines.append(f"  cleanup: {len(self.cleanup.deleted)} deleted, {len(self.cleanup.left)} left behind")
        lines.extend(f"  LEFT BEHIND {path}" for path in self.cleanup.left)
        return "\n".join(lines)
