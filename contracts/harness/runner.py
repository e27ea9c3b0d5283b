"""A harness run: set up the target, run the phases, clean up, write the reports.

Phases, in order: lifecycle (create -> read -> update -> delete chains, lifecycle.py), unit
(every operation, hypothesis-generated valid and invalid inputs), stateful (schemathesis' state
machine over the contract's links plus its inference, stateful.py). Every case goes through
`Runner.exercise`: send, skip if not simulated, run the checks, probe auth and read-backs.
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import schemathesis
from schemathesis import Case, GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response
from schemathesis.engine.observations import Observations
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.specs.openapi.schemas import OpenApiSchema

from contracts import spec
from contracts.harness import cleanup, exchange, lifecycle, preflight, reach, render, stateful, websocket
from contracts.harness.checks import CHECK_NAMES, CHECKS, operation_id
from contracts.harness.generation import draw, prefix_names, seed_for
from contracts.harness.ledger import Ledger, state_dir
from contracts.harness.options import FULL, SAFE, SAFE_DEFAULT_BUDGET, SAFE_DEFAULT_RATE, Options
from contracts.harness.probes import INVALID_TOKEN, NOT_SIMULATED_STATUS, Prober
from contracts.harness.progress import Progress
from contracts.harness.recording import Recorder, Session, token_claims
from contracts.harness.report import Report
from contracts.harness.resources import READ_METHODS, contract_map
from contracts.harness.target import Credentials, Target, split_base_url
from contracts.harness.wire import BudgetExhausted, Refused, Wire


def followable(document: dict[str, Any]) -> dict[str, Any]:
    """The contract without links that hand on a new tenant's id: tokens are bound to one tenant, so
    nothing after `createTenant` can reach the new tenant with the token that created it."""
    for item in document["paths"].values():
        for operation in item.values():
            for response in operation.get("responses", {}).values() if isinstance(operation, dict) else ():
                links = response.get("links") if isinstance(response, dict) else None
                if not isinstance(links, dict):
                    continue
                for name, link in list(links.items()):
                    if str(link.get("parameters", {}).get("tenantId", "")).startswith("$response.body"):
                        del links[name]
    return document


def load_schema(api_url: str, seed: int) -> OpenApiSchema:
    """The contract as a schemathesis schema (from the installed package, not from the target)."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "base-url": api_url,
            # Unknown query parameters are ignored by OLT like by most APIs, and the token is ours to send.
            "generation": {"allow-extra-parameters": False, "with-security-parameters": False},
        }
    )
    return schemathesis.openapi.from_dict(followable(copy.deepcopy(spec.openapi())), config=config)


def asgi_transport(app: Any) -> httpx.BaseTransport:
    """An httpx transport that calls an ASGI app in-process."""
    from contracts.harness.inprocess import InProcessTransport

    return InProcessTransport(app)


class Runner:
    def __init__(
        self,
        options: Options,
        transport: httpx.BaseTransport | None = None,
        ledger: Ledger | None = None,
        app: Any = None,
    ) -> None:
        options.check()
        self.app = app  #: the ASGI app when the run is in-process
        self.options = options
        self.run_id = ledger.run_id if ledger else options.run_id or secrets.token_hex(4)
        root, api = split_base_url(options.base_url)
        self.contract = contract_map()
        self.ledger = ledger or Ledger.start(state_dir(options.state_dir), self.run_id, root, f"oh-{self.run_id}-")
        self.wire = Wire(
            self.contract,
            self.ledger,
            safe=True,
            rate=options.rate,
            budget=options.budget,
            root_path=urlsplit(root).path,
            transport=transport,
        )
        self.target = Target(options, self.wire, root, api, Credentials())
        self.report = Report(
            self.run_id, root, options.mode or "?", options.seed, options.max_examples, selected=options.operations
        )
        self.wire.observers.append(self.report.observe)
        self.progress = Progress(self.report, options.progress)
        self.wire.observers.append(self.progress.tick)
        self.prober = Prober(self.target, self.report)
        self.observations = Observations()
        self._schema: OpenApiSchema | None = None

    # -- setup

    def prepare(self) -> None:
        """Preflight (one clear error within seconds), then mode, limits and credentials."""
        self.report.muted = self.wire.exempt = True  # preflight is not part of the run's record or budget
        try:
            preflight.reachable(self.target)
            self._prepare()
            preflight.token_accepted(self.target)
            if self.options.record:
                self.wire.recorder = self._recorder(self.options.record)
        finally:
            self.report.muted = self.wire.exempt = False

    def _recorder(self, directory: str) -> Recorder:
        claims = token_claims(self.target.headers().get("Authorization", ""))
        session = Session(self.target.root_url, self.report.mode, claims.get("sub"), claims.get("tenant"))
        return Recorder(directory, session, self._auth_label)

    def _auth_label(self, authorization: str | None) -> str:
        """Which of the run's credentials a request carried (the recording never keeps a token)."""
        if not authorization:
            return "none"
        if authorization == self.target.headers().get("Authorization"):
            return "primary"
        other = self.target.other_headers()
        if other and authorization == other.get("Authorization"):
            return "other"
        return "invalid" if authorization == f"Bearer {INVALID_TOKEN}" else "obtained"  # e.g. from createToken

    def _prepare(self) -> None:
        self.target.discover()
        mode = self.options.resolve_mode(self.target.is_simulator)
        self.report.mode = mode
        self.wire.policy.safe = mode == SAFE
        if mode == SAFE:
            self.wire.limiter.set_rate(self.options.rate or SAFE_DEFAULT_RATE)
            self.wire.budget = self.options.budget or SAFE_DEFAULT_BUDGET
        self.target.authenticate()
        for operation_id_ in sorted(self.target.not_simulated):
            self.report.not_simulated(operation_id_)
        if self.options.min_reached is not None:
            self.report.min_reached = self.options.min_reached
        elif mode == FULL and self.target.is_simulator:
            self.report.min_reached = sum(1 for s in self.report.operations.values() if not s.not_simulated)

    @property
    def schema(self) -> OpenApiSchema:
        if self._schema is None:
            self._schema = load_schema(self.target.api_url, self.options.seed)
        return self._schema

    def selected(self) -> list[str]:
        """Operations this run exercises: those asked for that the target simulates."""
        wanted = set(self.options.operations) if self.options.operations else None
        return [
            op.operation_id
            for op in spec.operations()
            if (wanted is None or op.operation_id in wanted) and op.operation_id not in self.target.not_simulated
        ]

    @property
    def selected_set(self) -> set[str]:
        return set(self.selected())

    @property
    def stopped(self) -> bool:
        return self.wire.exhausted

    # -- one case

    def exercise(self, case: Case[Any], recorder: ScenarioRecorder | None = None) -> Response | None:
        """Send a case and check the answer; None when it was not sent or the operation is not simulated."""
        op = operation_id(case)
        if op in self.target.not_simulated or self.stopped:
            return None
        prefix_names(case, self.ledger.prefix)
        headers = self.target.headers()
        if case.headers and "Authorization" in case.headers:  # a step acting with another token
            headers = {**headers, "Authorization": case.headers["Authorization"]}
        try:
            response, sent = exchange.send(
                self.wire.client, case, headers=headers, base_url=self.target.api_url, timeout=self.options.timeout
            )
        except Refused:
            return None
        except BudgetExhausted:
            self.report.budget_exhausted = True
            return None
        except httpx.HTTPError as error:
            line = f"{case.method} {case.formatted_path}"
            self.report.fail(op, "transport", "The request failed", str(error), None, line)
            return None
        if response.status_code == NOT_SIMULATED_STATUS:
            self.target.not_simulated.add(op)
            self.report.not_simulated(op)
            return None
        if op not in self.report.operations:
            return response  # a prerequisite of a selected operation: not reported on
        if recorder is not None:
            recorder.record_response(case_id=case.id, response=response)
        self._validate(op, case, response, headers, recorder)
        self.prober.auth(op, sent, response.status_code)
        self.prober.follow(self.wire.pop_events())
        return response

    def open_websocket(self, op: str, path: str) -> None:
        """Open and close a WebSocket on `path` (root-relative): the stream operations' success is the
        101 handshake, which an HTTP client cannot check."""
        if self.stopped or op in self.target.not_simulated:
            return
        self.report.checked(op, ["websocket_handshake"])
        status = websocket.handshake(self.target.root_url, path, self.app, self.options.timeout)
        self.report.observe(op, status)
        if status != 101:
            self.report.fail(
                op,
                "websocket_handshake",
                "WebSocket handshake refused",
                f"the upgrade answered {status}",
                status,
                f"GET {path.split('?')[0]}",
            )

    def _validate(
        self, op: str, case: Case[Any], response: Response, headers: dict[str, str], recorder: ScenarioRecorder | None
    ) -> None:
        kwargs = {"base_url": self.target.api_url, "headers": headers}
        self.report.checked(op, CHECK_NAMES)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs=kwargs, recorder=recorder)
        except FailureGroup as group:
            for failure in group.exceptions:
                check = type(failure).checks[0] if type(failure).checks else failure.title
                self.report.fail(
                    op,
                    check,
                    failure.title,
                    failure.message,
                    response.status_code,
                    f"{response.request.method} {response.request.url}",
                )

    # -- phases

    def unit(self) -> None:
        """Every selected operation with generated valid and invalid inputs (reads only in safe mode)."""
        safe = self.report.mode == SAFE
        for op in self.selected():
            if safe and spec.operation(op).method not in READ_METHODS:
                continue
            operation = self.schema.find_operation_by_id(op)
            recorder = ScenarioRecorder(label=op)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    cases = draw(
                        operation.as_strategy(generation_mode=mode),
                        self.options.max_examples,
                        seed_for(self.options.seed, op, mode.value),
                    )
                except Exception as error:  # schemathesis cannot generate for some schemas
                    self.report.note(f"{op}: no {mode.value} inputs generated ({type(error).__name__}: {error})")
                    continue
                for case in cases:
                    if self.stopped or op in self.target.not_simulated:
                        break
                    recorder.record_case(case=case)
                    self.exercise(case, recorder)
            self.observations.extract_observations_from(recorder)
            if self.stopped:
                return

    def _timed(self, name: str, phase: Callable[[], None]) -> None:
        self.progress.phase(name)
        started = time.monotonic()
        try:
            phase()
        finally:
            self.report.timings[name] = time.monotonic() - started

    def run(self) -> Report:
        started = time.monotonic()
        try:
            self.prepare()
        except BaseException:
            self.ledger.discard()  # nothing was created: nothing to clean up later
            self.progress.finish()
            raise
        try:
            self._timed("lifecycle", lambda: lifecycle.run(self))
            if not self.stopped:
                self._timed("reach", lambda: reach.run(self))
            if not self.stopped:
                self._timed("unit", self.unit)
            if self.options.stateful and not self.stopped:
                self._timed("stateful", lambda: stateful.run(self))
        finally:
            if self.options.cleanup:
                self._timed("cleanup", lambda: cleanup.clean(self.target, self.ledger, self.report))
                self.ledger.discard()
            else:
                self.report.note(f"cleanup skipped: finish it with --cleanup {self.run_id}")
            self.report.budget_exhausted = self.report.budget_exhausted or self.wire.exhausted
            self.report.duration = time.monotonic() - started
            self.progress.finish()
            render.write(self.report, self.options)
        return self.report


def run(options: Options, app: Any = None) -> Report:
    """Run the harness against `options.base_url` (or in-process against the ASGI `app`)."""
    runner = Runner(options, asgi_transport(app) if app is not None else None, app=app)
    with runner.wire.client:
        return runner.run()


def cleanup_run(options: Options, run_id: str, app: Any = None) -> Report:
    """Finish the cleanup of an interrupted run from its ledger (and by its name prefix)."""
    ledger = Ledger.load(state_dir(options.state_dir), run_id)
    runner = Runner(options, asgi_transport(app) if app is not None else None, ledger)
    with runner.wire.client:
        runner.prepare()
        runner.report.cleanup_only, runner.report.min_reached = True, None
        cleanup.clean(runner.target, runner.ledger, runner.report)
    runner.ledger.discard()
    render.write(runner.report, options)
    return runner.report


__all__ = ["FULL", "SAFE", "Options", "Report", "Runner", "cleanup_run", "run"]
