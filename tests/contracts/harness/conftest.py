"""Harness test helpers: an in-process simulator app per test, and runs of the harness against it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.harness import Options, Report, run
from contracts.harness.runner import asgi_transport
from simulator.api.app import create_app
from simulator.runtime import Simulator
from simulator.settings import Settings

BASE_URL = "http://testserver"
TIMESERIES = ("createTimeseries", "listTimeseries", "getTimeseries", "updateTimeseries", "deleteTimeseries")


@dataclass
class SimApp:
    """A simulator and its ASGI app, served in-process by the harness' httpx transport (inprocess.py)."""

    sim: Simulator
    app: Any
    state_dir: Path
    runs: list[Report] = field(default_factory=list)

    def run(self, app: Any = None, **options: Any) -> Report:
        settings = {"base_url": BASE_URL, "seed": 1, "max_examples": 3, "state_dir": str(self.state_dir), **options}
        report = run(Options(**settings), app=app or self.app)
        self.runs.append(report)
        return report

    def token(self, tenant: str | None = None) -> str:
        return self.sim.token_for_user("owner@example.com", tenant)

    def journal(self) -> list[dict[str, Any]]:
        return [entry.to_api() for entry in self.sim.request_journal]

    def client(self, token: str | None = None) -> httpx.Client:
        """An httpx client on the app (in-process), with the owner's token unless another is given."""
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return httpx.Client(transport=asgi_transport(self.app), headers=headers)

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client().post(BASE_URL + "/v1" + path, json=body)
        assert response.status_code == 201, response.text
        return dict(response.json()["data"])


@pytest.fixture
def make_sim(tmp_path: Path) -> Callable[..., SimApp]:
    def factory(**settings: Any) -> SimApp:
        sim = Simulator(Settings(clock="manual", public_url=BASE_URL, **settings))
        return SimApp(sim, create_app(sim), tmp_path / "state")

    return factory


@pytest.fixture
def sim_app(make_sim: Callable[..., SimApp]) -> SimApp:
    return make_sim(journal_size=100_000)


def findings(report: Report) -> set[tuple[str, str]]:
    """(operationId, check) of every distinct failure."""
    return {(f.operation_id, f.check) for f in report.findings}
