"""The knobs of a harness run (what `olt-sim contract` parses into)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contracts import spec

SAFE, FULL = "safe", "full"
#: Caps applied in safe mode when the caller gives none (production deserves a gentle client).
SAFE_DEFAULT_RATE = 5.0
SAFE_DEFAULT_BUDGET = 2000


class OptionsError(ValueError):
    """The options do not describe a run the harness will do."""


@dataclass
class Options:
    base_url: str
    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    tenant: str | None = None
    #: A token of another tenant, for the isolation check against targets other than the simulator.
    other_token: str | None = None
    #: None: full against the olt simulator, safe against anything else.
    mode: str | None = None
    allow_destructive: bool = False
    max_examples: int = 20
    seed: int = 0
    #: Requests per second (None: no cap; safe mode defaults to SAFE_DEFAULT_RATE).
    rate: float | None = None
    #: Most requests the run may send, cleanup not counted (safe mode defaults to SAFE_DEFAULT_BUDGET).
    budget: int | None = None
    junit_xml: str | None = None
    report: str | None = None
    state_dir: str | None = None
    run_id: str | None = None
    #: Delete what the run created at its end (False keeps it for `--cleanup RUN_ID`).
    cleanup: bool = True
    stateful: bool = True
    #: Only these operationIds (None: all of the contract).
    operations: tuple[str, ...] | None = None
    timeout: float = 30.0
    #: Fewest operations that must reach a success response (None: all in full mode against the
    #: simulator, no floor otherwise).
    min_reached: int | None = None
    #: Progress: "auto" (a live line on a terminal, plain lines otherwise), "plain", "quiet".
    progress: str = "quiet"
    #: Keep every exchange with the target in this directory (for `olt-sim drift`); safe mode by default.
    record: str | None = None

    def check(self) -> None:
        if self.mode not in (None, SAFE, FULL):
            raise OptionsError(f"--mode must be {SAFE} or {FULL}")
        if self.token and (self.client_id or self.client_secret):
            raise OptionsError("give --token or --client-id/--client-secret, not both")
        if bool(self.client_id) != bool(self.client_secret):
            raise OptionsError("--client-id and --client-secret go together")
        if self.max_examples < 1:
            raise OptionsError("--max-examples must be at least 1")
        if self.rate is not None and self.rate <= 0:
            raise OptionsError("--rate must be positive")
        if self.operations:
            known = {op.operation_id for op in spec.operations()}
            unknown = [op for op in self.operations if op not in known]
            if unknown:
                raise OptionsError(f"--operation: no operation {', '.join(unknown)} in the contract")
        if self.record and Path(self.record).exists() and not Path(self.record).is_dir():
            raise OptionsError(f"--record needs a directory; {self.record} is a file")
        if self.min_reached is not None and self.min_reached < 0:
            raise OptionsError("--min-reached must be 0 or more")
        if self.budget is not None and self.budget < 1:
            raise OptionsError("--budget must be at least 1")

    def resolve_mode(self, is_simulator: bool) -> str:
        """Full mode only against our simulator or with --allow-destructive."""
        mode = self.mode or (FULL if is_simulator and not self.record else SAFE)
        if mode == FULL and not is_simulator and not self.allow_destructive:
            raise OptionsError(
                "full mode sends destructive requests to resources the run did not create; "
                "against anything but the olt simulator it needs --allow-destructive"
            )
        return mode
