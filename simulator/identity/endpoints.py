"""The realm's four contract operations (getRealmInfo, authorize, createToken, getUserInfo).

`authorize` skips its login page when the query has `auto=1` (or `true`), or `prompt=none` with a
`login_hint` naming a user; `prompt=none` without one answers the client `error=login_required`.
"""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import json_response
from simulator.core.errors import OAuthError
from simulator.identity.authorization import Authorizer
from simulator.identity.grants import TokenEndpoint, requested_tenant
from simulator.identity.login import NO_STORE, deliver, login_page
from simulator.identity.realm import realm_info


@operation("getRealmInfo")
async def get_realm_info(call: Call) -> Response:
    return json_response(realm_info(call.sim))


@operation("authorize")
async def authorize(call: Call) -> Response:
    authorizer = Authorizer(call.sim)
    request = authorizer.validate(call.query)
    prompt = set(str(call.query.get("prompt", "")).split())
    if call.query.get("auto") in ("1", "true"):
        return deliver(request, authorizer.auto_approve(request))
    if "none" in prompt:
        if authorizer.find_user(request.login_hint) is None:
            return deliver(request, {"error": "login_required", "error_description": "prompt=none needs a login_hint"})
        return deliver(request, authorizer.auto_approve(request))
    authorizer.remember(request)
    return login_page(call.sim, request)


@operation("createToken")
async def create_token(call: Call) -> Response:
    tenant = requested_tenant(call.headers.get("tenant"), call.headers.get("X-Requested-With"))
    tokens = TokenEndpoint(call.sim).create_token(call.body, tenant, call.request.headers.get("authorization"))
    return json_response(tokens, headers={**NO_STORE, "Pragma": "no-cache"})


@operation("getUserInfo")
async def get_user_info(call: Call) -> Response:
    principal = call.principal
    assert principal is not None  # the operation is secured: the dispatcher authenticated the caller
    if principal.user_id is None:
        raise OAuthError("invalid_request", "This token belongs to a client's service account, not to a user")
    user = call.sim.users.get_user(principal.user_id)
    info = {"sub": user.id, **user.claims()}
    if principal.tenant_id:
        info["tenant"] = principal.tenant_id
    return json_response(info)
