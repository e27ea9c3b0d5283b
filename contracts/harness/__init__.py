"""Contract harness: schemathesis-driven conformance runs against any OLT base URL.

    from contracts.harness import Options, run
    report = run(Options(base_url="http://127.0.0.1:8080", max_examples=20, seed=1))

Safe mode (the default against anything but the olt simulator) only reads, plus create -> read
-> update -> delete chains on what the run created; full mode needs --allow-destructive there.
Nothing here imports `simulator`; names load lazily so the pytest plugin stays cheap to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contracts.harness.options import Options
    from contracts.harness.report import Report
    from contracts.harness.runner import cleanup_run, run

__all__ = ["Options", "Report", "cleanup_run", "run"]

_WHERE = {"Options": "options", "Report": "report", "cleanup_run": "runner", "run": "runner"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"contracts.harness.{_WHERE[name]}"), name)
