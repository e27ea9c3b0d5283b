"""Reaching a target: client-credentials tokens, the base URL forms, the rate cap."""

from __future__ import annotations

import time

import pytest

from contracts.harness.options import OptionsError
from contracts.harness.target import split_base_url
from contracts.harness.wire import RateLimiter
from tests.contracts.harness.conftest import SimApp
from tests.contracts.harness.faults import WithoutControlApi


def test_client_credentials_get_a_token_for_the_tenant(sim_app: SimApp) -> None:
    world = sim_app.sim.world
    report = sim_app.run(
        app=WithoutControlApi(sim_app.app),
        client_id=world.script_client_id,
        client_secret=world.script_client_secret,
        tenant=world.tenant_id,
        rate=1000,
        stateful=False,
        operations=("createToken", "listTimeseries"),
    )
    assert report.ok, report.summary()
    assert report.operations["listTimeseries"].statuses[200] > 0
    assert report.operations["createToken"].statuses[200] >= 1  # the harness' own token request


def test_wrong_client_credentials_stop_the_run(sim_app: SimApp) -> None:
    with pytest.raises(OptionsError, match="client credentials"):
        sim_app.run(app=WithoutControlApi(sim_app.app), client_id="nobody", client_secret="nothing", rate=1000)


@pytest.mark.parametrize(
    ("given", "root", "api"),
    [
        ("http://h:8080", "http://h:8080", "http://h:8080/v1"),
        ("http://h:8080/v1/", "http://h:8080", "http://h:8080/v1"),
        ("https://h/olt/v1", "https://h/olt", "https://h/olt/v1"),
    ],
)
def test_the_base_url_may_name_the_api_or_its_root(given: str, root: str, api: str) -> None:
    assert split_base_url(given) == (root, api)


def test_the_rate_limit_spaces_requests_evenly() -> None:
    limiter = RateLimiter(50.0)
    started = time.monotonic()
    for _ in range(6):
        limiter.wait()
    assert time.monotonic() - started >= 5 / 50 - 0.005
    unlimited = RateLimiter(None)
    started = time.monotonic()
    for _ in range(1000):
        unlimited.wait()
    assert time.monotonic() - started < 0.5
