"""The 501 list is honest: listed operations answer 501, every other operation does not."""

from __future__ import annotations

import re

import pytest

from contracts.spec import Operation, operations
from simulator.api.not_simulated import NOT_SIMULATED
from simulator.testing import SimHandle

PLACEHOLDERS = {"slotName": "firmware", "type": "live"}
UNKNOWN_ID = "123e4567-e89b-42d3-a456-426655440000"


def concrete_path(op: Operation) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDERS.get(m.group(1), UNKNOWN_ID), op.path)


def test_the_list_names_only_contract_operations() -> None:
    known = {op.operation_id for op in operations()}
    assert sorted(NOT_SIMULATED - known) == []


@pytest.mark.parametrize("op", operations(), ids=lambda op: op.operation_id)
def test_listed_means_501_and_unlisted_means_handled(olt_sim: SimHandle, op: Operation) -> None:
    client = olt_sim.client(check_contract=False)
    response = client.request(op.method, concrete_path(op), json={} if op.method in ("POST", "PUT", "PATCH") else None)
    if op.operation_id in NOT_SIMULATED:
        assert response.status_code == 501, response.text
        assert response.json() == {
            "errorMessage": f"{op.operation_id} is not simulated yet",
            "errorCode": "NOT_IMPLEMENTED",
        }
    else:
        assert response.status_code != 501, response.text
        assert response.status_code < 500, response.text


def test_coverage_command_counts_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli import main

    assert main(["coverage"]) == 0
    total = len(operations())
    assert capsys.readouterr().out.splitlines()[0] == f"implemented {total - len(NOT_SIMULATED)}/{total}"
