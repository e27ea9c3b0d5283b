"""The plain schemathesis CLI with the shipped `contracts/schemathesis.toml` finds nothing wrong with
the simulator (`st run contracts/olt-openapi.yaml --checks all`), and the config declares business
rules per operation, each status with the OLT error code that explains it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from contracts import spec
from simulator.testing import SimHandle

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "contracts" / "schemathesis.toml"
CONTRACT = ROOT / "contracts" / "olt-openapi.yaml"
DEFAULT_STATUSES = {"2XX", "3XX", 401, 403, 404, 409, 429}
SEED = 1
#: Inputs per operation: enough for every phase to reach each operation, bounded for CI (~1.5 min).
MAX_EXAMPLES = 10


def blocks() -> list[str]:
    """The text of each [[operations]] table, comments included."""
    return CONFIG.read_text().split("[[operations]]")[1:]


def test_business_rules_are_declared_per_operation_with_their_error_codes() -> None:
    config = tomllib.loads(CONFIG.read_text())
    assert "positive_data_acceptance" not in config.get("checks", {})  # never a blanket list
    known = {op.operation_id for op in spec.operations()}
    for table, text in zip(config["operations"], blocks(), strict=True):
        assert table["include-operation-id"] in known
        statuses = table.get("checks", {}).get("positive_data_acceptance", {}).get("expected-statuses")
        if statuses is None:
            continue
        assert set(statuses) >= DEFAULT_STATUSES, table
        for extra in set(statuses) - DEFAULT_STATUSES:
            explained = re.search(rf"^# {extra} [A-Za-z_]+: \S", text, re.MULTILINE)
            assert explained, f"{table['include-operation-id']}: status {extra} without its OLT error code"


@pytest.mark.timeout(1200)
def test_st_run_with_all_checks_ends_with_no_failures(olt_sim_server: SimHandle, tmp_path: Path) -> None:
    env = {**os.environ, "OLT_TOKEN": olt_sim_server.token()}
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        str(CONTRACT),
        "--url",
        olt_sim_server.api_url,
        "--checks",
        "all",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=1100)
    failures = done.stdout.split("WARNINGS ===")[0]
    summary = failures[-8000:] + done.stdout[-600:]
    assert "Failures:" not in done.stdout, summary
    assert re.search(r"\d+ generated, \d+ passed", done.stdout), summary
    assert "Tested: 125" in done.stdout, summary
