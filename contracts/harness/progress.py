"""What a run is doing while it runs: phase, operations reached, requests, failures, elapsed time.

On a terminal one status line is rewritten in place (at most five times a second); elsewhere (CI
logs) a plain line is printed when a phase starts and every ten seconds; `--quiet` prints nothing.
Lines go to stderr, so stdout keeps only the table and the summary.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from contracts.harness.report import Report

AUTO, PLAIN, QUIET = "auto", "plain", "quiet"
LIVE_INTERVAL = 0.2
PLAIN_INTERVAL = 10.0


class Progress:
    def __init__(self, report: Report, style: str = QUIET, stream: TextIO | None = None) -> None:
        self.report = report
        self.stream = stream or sys.stderr
        if style == AUTO:
            style = "live" if self.stream.isatty() else PLAIN
        self.style = style
        self.phase_name = "preflight"
        self.started = time.monotonic()
        self._last = 0.0

    def line(self) -> str:
        r = self.report
        done = sum(1 for s in r.operations.values() if s.requests)
        return (
            f"[{self.phase_name}] {done}/{len(r.operations)} operations done, {r.reached} reached, "
            f"{r.requests_total} requests, {r.failures} failures, {time.monotonic() - self.started:.0f}s"
        )

    def phase(self, name: str) -> None:
        self.phase_name = name
        self._show(force=True)

    def tick(self, operation_id: str | None = None, status: int | None = None) -> None:
        """Wire observer: called after every request."""
        self._show(force=False)

    def finish(self) -> None:
        if self.style == "live":
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _show(self, force: bool) -> None:
        if self.style == QUIET:
            return
        now = time.monotonic()
        interval = LIVE_INTERVAL if self.style == "live" else PLAIN_INTERVAL
        if not force and now - self._last < interval:
            return
        self._last = now
        if self.style == "live":
            self.stream.write("\r\033[K" + self.line())
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()
