"""GET /_sim/health: ready, version, uptime and the scenario's state, for containers and scripts."""

from __future__ import annotations

import httpx
import pytest

from simulator.api.app import create_app
from simulator.testing import InProcessTransport, SimHandle
from simulator.version import __version__


def test_health_reports_ready_version_uptime_and_no_scenario(olt_sim: SimHandle) -> None:
    body = olt_sim.control().get("/_sim/health").json()
    assert body["ready"] is True and body["status"] == "ready"
    assert body["version"] == __version__
    assert body["uptimeSeconds"] >= 0
    assert body["scenario"] == {"state": "none"}


def test_health_names_a_running_scenario(olt_sim: SimHandle) -> None:
    olt_sim.sim.info["scenario"] = {"name": "smart-office", "state": "running", "devices": 3}
    try:
        assert olt_sim.control().get("/_sim/health").json()["scenario"]["state"] == "running"
    finally:
        del olt_sim.sim.info["scenario"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_health_only_answers_get(olt_sim: SimHandle, method: str) -> None:
    response = olt_sim.control().request(method, "/_sim/health")
    assert 400 <= response.status_code < 500
    assert "errorCode" in response.json()


def test_cors_origin_setting_adds_to_localhost(olt_sim: SimHandle) -> None:
    """--cors-origin (Settings.cors_origins) allows a frontend's origin beyond localhost, not instead of it."""
    sim = olt_sim.call(lambda: olt_sim.sim.with_settings(cors_origins=("https://app.example.com",)))
    app = olt_sim.call(lambda: create_app(sim))
    client = httpx.Client(base_url="http://testserver", transport=InProcessTransport(app, olt_sim.loop_thread))
    preflight = {"Access-Control-Request-Method": "GET"}
    for origin in ("https://app.example.com", "http://localhost:5173"):
        response = client.options("/v1/devices", headers={"Origin": origin, **preflight})
        assert response.headers.get("access-control-allow-origin") == origin
    response = client.options("/v1/devices", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in response.headers
