"""/_sim/faults: add (POST), list with counters (GET), remove one or all (DELETE)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.api.errors import error_response
from simulator.api.responses import json_response
from simulator.core.errors import BadRequest, NotFound
from simulator.faults.book import iso_epoch
from simulator.faults.rules import RuleError

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def fault_routes(sim: Simulator) -> list[Route]:
    async def add(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"null", parse_constant=_not_json)
        except ValueError as exc:
            return error_response(BadRequest(f"Malformed JSON body: {exc}"))
        try:
            rule = sim.faults.add(body)
        except RuleError as error:
            details = [{"path": error.field, "message": error.message}]
            return error_response(BadRequest(f"Invalid fault rule: {error}", details=details))
        return json_response(rule.to_api(sim.clock.time(), iso_epoch), 201)

    async def listing(request: Request) -> Response:
        return json_response({"data": sim.faults.describe()})

    async def remove(request: Request) -> Response:
        rule_id = request.path_params["rule_id"]
        if not sim.faults.remove(rule_id):
            return error_response(NotFound(f"fault rule {rule_id} was not found"))
        return Response(status_code=204)

    async def clear(request: Request) -> Response:
        sim.faults.clear()
        return Response(status_code=204)

    return [
        Route("/_sim/faults", add, methods=["POST"]),
        Route("/_sim/faults", listing, methods=["GET"]),
        Route("/_sim/faults", clear, methods=["DELETE"]),
        Route("/_sim/faults/{rule_id}", remove, methods=["DELETE"]),
    ]


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")
