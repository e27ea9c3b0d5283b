"""`olt-sim snapshot save/load` against a running server, and their one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.testing import SimHandle


def test_save_then_load_brings_the_world_back(
    olt_sim_server: SimHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = olt_sim_server.client()
    assert client.post("/device-types", json={"name": "Kept", "schema": {}}).status_code == 201
    file = tmp_path / "world.json"
    assert main(["snapshot", "save", str(file), "--url", olt_sim_server.base_url]) == 0
    assert "saved the world" in capsys.readouterr().out
    assert client.post("/device-types", json={"name": "Dropped", "schema": {}}).status_code == 201

    assert main(["snapshot", "load", str(file), "--url", olt_sim_server.base_url]) == 0

    names = [t["name"] for t in client.get("/device-types").json()["data"]]
    assert names == ["Kept"]


def test_refusals_are_one_line(olt_sim_server: SimHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": 7, "clock": 0, "random": None, "state": None}))
    assert main(["snapshot", "load", str(bad), "--url", olt_sim_server.base_url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "$.version" in err

    assert main(["snapshot", "load", str(tmp_path / "missing.json"), "--url", olt_sim_server.base_url]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["snapshot", "save", str(tmp_path / "x.json"), "--url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach" in err
