"""The /_sim control API: reset, snapshot, clock, tokens, journals (not part of the OLT contract)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.api.errors import error_response
from simulator.api.health import health_endpoint
from simulator.api.responses import json_response
from simulator.core.errors import BadRequest, NotFound, SimError
from simulator.core.snapshot_check import SnapshotRefused
from simulator.faults.routes import fault_routes
from simulator.mqtt.auth import plain_credentials
from simulator.persistence.document import MAX_SNAPSHOT_BYTES, parse_snapshot
from simulator.vary import control as vary_control

if TYPE_CHECKING:
    from simulator.runtime import Simulator


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"Malformed JSON body: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object")
    return body


async def _body_within(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it grows past `limit` (never read whole into memory first)."""
    too_big = SnapshotRefused("$", f"the body exceeds the limit of {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def control_routes(sim: Simulator) -> list[Route]:
    def guarded(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                result: Response = await handler(request)
            except SimError as error:
                return error_response(error)
            return result

        return endpoint

    async def reset(request: Request) -> Response:
        sim.reset()
        return json_response({"world": _world(sim)})

    async def get_world(request: Request) -> Response:
        return json_response({"world": _world(sim), **sim.info})

    async def get_snapshot(request: Request) -> Response:
        return json_response(sim.snapshot())

    async def put_snapshot(request: Request) -> Response:
        """Checked whole into a new world first (see simulator/persistence/document.py): a refusal
        names the JSON path and leaves the running world, clock and timers as they were."""
        try:
            sim.restore(parse_snapshot(await _body_within(request, MAX_SNAPSHOT_BYTES)))
        except SnapshotRefused as refused:
            raise BadRequest(
                f"Not a simulator snapshot: {refused}", details=[{"path": refused.path, "message": refused.message}]
            ) from None
        return Response(status_code=204)

    async def get_clock(request: Request) -> Response:
        return json_response(sim.clock.describe())

    async def advance_clock(request: Request) -> Response:
        body = await _json_body(request)
        seconds = body.get("seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise BadRequest("'seconds' must be a non-negative number")
        fired = sim.clock.advance(float(seconds))
        return json_response({**sim.clock.describe(), "timersFired": fired})

    async def set_speed(request: Request) -> Response:
        body = await _json_body(request)
        speed = body.get("speed")
        if not isinstance(speed, int | float) or isinstance(speed, bool) or speed <= 0:
            raise BadRequest("'speed' must be a positive number")
        if not sim.clock.runs_by_itself:
            raise BadRequest("the clock is manual: use /_sim/clock/advance")
        sim.clock.set_speed(float(speed))
        return json_response(sim.clock.describe())

    async def pause_clock(request: Request) -> Response:
        sim.clock.pause()
        return json_response(sim.clock.describe())

    async def resume_clock(request: Request) -> Response:
        sim.clock.resume()
        return json_response(sim.clock.describe())

    async def mint_token(request: Request) -> Response:
        body = await _json_body(request)
        tenant = body.get("tenant")
        try:
            if "user" in body:
                token = sim.token_for_user(str(body["user"]), tenant)
            elif "clientId" in body:
                token = sim.token_for_client(str(body["clientId"]), tenant or sim.world.tenant_id)
            else:
                raise BadRequest("give 'user' (an e-mail) or 'clientId'")
        except KeyError as exc:
            raise NotFound(f"unknown user or client {exc}") from None
        return json_response({"access_token": token, "token_type": "bearer"})

    async def requests(request: Request) -> Response:
        after = _int_param(request, "after", 0)
        entries = [entry.to_api() for entry in sim.request_journal if entry.seq > after]
        if request.query_params.get("violations") == "true":
            entries = [e for e in entries if e["violations"]]
        return json_response({"data": entries})

    async def request_entry(request: Request) -> Response:
        """One journal entry with its request and response bodies (the list leaves them out)."""
        wanted = request.path_params["id"]
        entry = next((e for e in sim.request_journal if str(e.seq) == wanted), None)
        if entry is None:
            raise NotFound(f"No journal entry {wanted!r} (the journal keeps the last {sim.settings.journal_size})")
        return json_response(entry.to_api(bodies=True))

    async def clear_requests(request: Request) -> Response:
        sim.request_journal.clear()
        return Response(status_code=204)

    async def mqtt_messages(request: Request) -> Response:
        limit = _int_param(request, "limit", len(sim.mqtt_journal))
        messages = list(sim.mqtt_journal)
        return json_response({"data": messages[len(messages) - limit :] if limit else []})

    async def mqtt_info(request: Request) -> Response:
        keys = ("mqttHost", "mqttPort", "mqttUrl", "mqttsPort", "mqttsUrl", "mqttsDomainUrl", "caPemPath")
        info = {key: sim.info[key] for key in keys if key in sim.info}
        credentials = plain_credentials(sim, request.query_params.get("deviceId"))
        return json_response({**info, "caPemUrl": "/_sim/ca.pem", "credentials": credentials})

    async def ca_pem(request: Request) -> Response:
        path = sim.info.get("caPemPath")
        if not path:
            raise NotFound("No local CA: neither the MQTTS listener nor TLS mode is running")
        with open(path, "rb") as handle:
            return Response(handle.read(), media_type="application/x-pem-file")

    async def scenario(request: Request) -> Response:
        """The running scenario (name, fleets, devices) with its live counters, or `{"running": false}`."""
        if sim.scenario_status is None:
            return json_response({"running": False})
        return json_response({"running": True, **sim.info.get("scenario", {}), **sim.scenario_status()})

    async def coverage(request: Request) -> Response:
        """Which contract operations answer 501 (the contract harness reads this instead of a list)."""
        from simulator.api.not_simulated import NOT_SIMULATED

        return json_response({"notSimulated": sorted(NOT_SIMULATED)})

    async def other_tenant(request: Request) -> Response:
        """A tenant by name (made once, with `owner` as its owner): the harness' cross-tenant checks."""
        body = await _json_body(request)
        name, owner = body.get("name"), sim.users.find_by_email(str(body.get("owner", "owner@example.com")))
        if not isinstance(name, str) or not name or owner is None:
            raise BadRequest("give 'name' and the e-mail of an existing 'owner'")
        tenant = next((t for t in sim.state.tenants.tenants.values() if t.name == name), None)
        tenant = tenant or sim.tenants.create_tenant(name, owner.id)
        return json_response({"tenantId": tenant.id, "name": tenant.name})

    async def get_vary(request: Request) -> Response:
        return json_response(vary_control.describe(sim))

    async def set_vary(request: Request) -> Response:
        return json_response(vary_control.configure(sim, await _json_body(request)))

    plain = [
        ("/_sim/reset", reset, ["POST"]),
        ("/_sim/world", get_world, ["GET"]),
        ("/_sim/snapshot", get_snapshot, ["GET"]),
        ("/_sim/snapshot", put_snapshot, ["PUT"]),
        ("/_sim/clock", get_clock, ["GET"]),
        ("/_sim/clock/advance", advance_clock, ["POST"]),
        ("/_sim/clock/speed", set_speed, ["POST"]),
        ("/_sim/clock/pause", pause_clock, ["POST"]),
        ("/_sim/clock/resume", resume_clock, ["POST"]),
        ("/_sim/tokens", mint_token, ["POST"]),
        ("/_sim/tenants", other_tenant, ["POST"]),
        ("/_sim/coverage", coverage, ["GET"]),
        ("/_sim/scenario", scenario, ["GET"]),
        ("/_sim/requests", requests, ["GET"]),
        ("/_sim/requests", clear_requests, ["DELETE"]),
        ("/_sim/requests/{id}", request_entry, ["GET"]),
        ("/_sim/mqtt/messages", mqtt_messages, ["GET"]),
        ("/_sim/mqtt", mqtt_info, ["GET"]),
        ("/_sim/ca.pem", ca_pem, ["GET"]),
        ("/_sim/vary", get_vary, ["GET"]),
        ("/_sim/vary", set_vary, ["PUT", "POST"]),
        ("/_sim/health", health_endpoint(sim), ["GET"]),
    ]
    return [Route(path, guarded(handler), methods=methods) for path, handler, methods in plain] + fault_routes(sim)


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise BadRequest(f"'{name}' must be a non-negative integer")
    return int(raw)


def _world(sim: Simulator) -> dict[str, Any]:
    world = sim.world
    return {
        "tenantId": world.tenant_id,
        "ownerUserId": world.owner_user_id,
        "users": world.users,
        "scriptClient": {"id": world.script_client_id, "secret": world.script_client_secret},
        "browserClientId": world.browser_client_id,
    }
