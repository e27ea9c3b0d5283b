"""The dashboard's server side: static files shipped in the package, redirects, the /_sim additions
it reads (journal details, scenario counters, clock pause, the /_sim index), and their wrong inputs."""

from __future__ import annotations

import asyncio
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import httpx
import pytest

from simulator.api.app import create_app
from simulator.api.dispatch import JOURNAL_BODY_BYTES
from simulator.runtime import Simulator
from simulator.scenario_cli import bundled_scenario_path, serve_scenario, start_in_server
from simulator.settings import Settings
from simulator.testing import SimHandle

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "simulator" / "dashboard" / "static"
PAGES = ("index.html", "api-reference.html")


def test_root_and_bare_paths_lead_to_the_pages(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    assert control.get("/").headers["location"] == "/_sim/ui/"
    assert control.get("/_sim/ui").headers["location"] == "/_sim/ui/"
    assert control.get("/v1/api-collection").headers["location"] == "/v1/api-collection/"
    page = control.get("/_sim/ui/")
    assert page.status_code == 200 and "OLT simulator" in page.text
    assert "swagger-ui-bundle.js" in control.get("/v1/api-collection/").text


@pytest.mark.parametrize("page", PAGES)
def test_pages_load_nothing_from_another_host_and_every_asset_is_served(olt_sim: SimHandle, page: str) -> None:
    text = (STATIC / page).read_text()
    assert not re.search(r"""(src|href)=["'](https?:)?//""", text), "the page must work offline"
    control = olt_sim.control()
    base = "/_sim/ui/" if page == "index.html" else "/v1/api-collection/"
    for reference in re.findall(r"""(?:src|href)=["']([^"'#]+)["']""", text):
        if reference.startswith("data:"):
            continue
        url = reference if reference.startswith("/") else base + reference
        assert control.get(url).status_code == 200, url


def test_package_data_ships_every_static_file_and_vendored_libraries_keep_their_licences() -> None:
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["simulator"]
    for path in STATIC.rglob("*"):
        if path.is_file():
            relative = path.relative_to(ROOT / "simulator").as_posix()
            assert any(fnmatch(relative, glob) and relative.count("/") == glob.count("/") for glob in globs), relative
    for library in (STATIC / "vendor").iterdir():
        assert (library / "LICENSE").is_file() and (library / "VERSION").is_file(), library.name


def test_request_journal_keeps_duration_caller_and_bodies_on_demand(olt_sim: SimHandle) -> None:
    api, control = olt_sim.client(check_contract=False), olt_sim.control()
    control.delete("/_sim/requests")
    api.post("/devices", json={"info": {"name": "x" * (JOURNAL_BODY_BYTES + 10)}})
    entries = control.get("/_sim/requests").json()["data"]
    entry = entries[-1]
    assert entry["status"] == 400 and entry["caller"] == "owner@example.com" and entry["durationMs"] >= 0
    assert "requestBody" not in entry and len(entry["violations"]) == len({v["path"] for v in entry["violations"]})
    detail = control.get(f"/_sim/requests/{entry['id']}").json()
    assert detail["requestBody"].endswith("[... cut]") and '"errorCode":"BAD_REQUEST"' in detail["responseBody"]
    assert control.get("/_sim/requests", params={"after": entry["id"]}).json()["data"] == []


@pytest.mark.parametrize("query", ["after=abc", "after=-1", "after=²"])
def test_journal_paging_refuses_what_is_not_a_count(olt_sim: SimHandle, query: str) -> None:
    control = olt_sim.control()
    for path in ("/_sim/requests", "/_sim/mqtt/messages"):
        answer = control.get(f"{path}?{query.replace('after', 'limit' if 'mqtt' in path else 'after')}")
        assert answer.status_code == 400 and answer.json()["errorCode"], answer.text


def test_an_unknown_journal_entry_is_a_404(olt_sim: SimHandle) -> None:
    answer = olt_sim.control().get("/_sim/requests/999999999")
    assert answer.status_code == 404 and "journal" in answer.json()["errorMessage"]


def test_mqtt_journal_limit_keeps_the_newest(olt_sim: SimHandle) -> None:
    olt_sim.call(lambda: olt_sim.sim.mqtt_journal.extend({"topic": str(n)} for n in range(5)))
    control = olt_sim.control()
    assert [m["topic"] for m in control.get("/_sim/mqtt/messages?limit=2").json()["data"]] == ["3", "4"]
    assert control.get("/_sim/mqtt/messages?limit=0").json()["data"] == []


def test_the_control_index_lists_the_control_routes(olt_sim: SimHandle) -> None:
    routes = {r["path"]: r["methods"] for r in olt_sim.control().get("/_sim").json()["routes"]}
    assert "POST" in routes["/_sim/reset"] and "GET" in routes["/_sim/requests/{id}"]


def test_clock_pause_and_resume_over_http() -> None:
    sim = Simulator(Settings(clock="realtime", seed_world=False))

    async def run() -> None:
        transport = httpx.ASGITransport(create_app(sim))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            paused = (await client.post("/_sim/clock/pause", json={})).json()
            assert paused["paused"] is True
            assert (await client.get("/_sim/clock")).json()["now"] == paused["now"]
            assert (await client.post("/_sim/clock/resume", json={})).json()["paused"] is False

    asyncio.run(run())


def test_scenario_counters_while_a_scenario_runs() -> None:
    scenario = serve_scenario(bundled_scenario_path())
    assert scenario is not None
    sim = Simulator(Settings(clock="manual", seed=scenario.info.seed))

    async def run() -> None:
        transport = httpx.ASGITransport(create_app(sim))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            assert (await client.get("/_sim/scenario")).json() == {"running": False}
            stop = await start_in_server(sim, scenario)
            sim.clock.advance(120)
            status = (await client.get("/_sim/scenario")).json()
            await stop()
            assert status["running"] is True and status["name"] == scenario.info.name
            assert set(status["fleets"]) == set(scenario.fleets)
            assert status["totals"]["messages"] > 0 and status["elapsed"] >= 120
            assert (await client.get("/_sim/scenario")).json() == {"running": False}

    asyncio.run(run())
