"""Identity routes outside the contract's four operations: discovery, JWKS, logout and the login form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simulator.api.errors import oauth_error_response
from simulator.api.responses import json_response
from simulator.core.errors import OAuthError, Unauthorized
from simulator.identity.authorization import Authorizer
from simulator.identity.clients import known_client, redirect_allowed
from simulator.identity.login import LOGIN_ACTION_PATH, REALM_PATH, deliver, with_query
from simulator.identity.realm import jwks, openid_configuration

if TYPE_CHECKING:
    from simulator.runtime import Simulator

Handler = Callable[[Request], Awaitable[Response]]
OIDC_PATH = f"{REALM_PATH}/protocol/openid-connect"


def _oauth_errors(handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except OAuthError as error:
            return oauth_error_response(error)

    return endpoint


def identity_routes(sim: Simulator) -> list[BaseRoute]:
    async def discovery(request: Request) -> Response:
        return json_response(openid_configuration(sim))

    async def certs(request: Request) -> Response:
        return json_response(jwks(sim))

    async def authenticate(request: Request) -> Response:
        """The login page's form: approve (or cancel) the pending request as the chosen user and tenant."""
        form = await request.form()
        authorizer = Authorizer(sim)
        pending = authorizer.take_pending(str(form.get("request") or ""))
        if form.get("action") == "cancel":
            return deliver(pending, {"error": "access_denied", "error_description": "The user cancelled the login"})
        user_id, tenant_id = str(form.get("user") or ""), str(form.get("tenant") or "")
        try:
            params = authorizer.approve(pending, user_id, tenant_id or None)
        except OAuthError:
            authorizer.remember(pending)  # a wrong pick leaves the page usable
            raise
        return deliver(pending, params)

    async def logout(request: Request) -> Response:
        """End the session (its refresh tokens stop working); redirect to post_logout_redirect_uri or 204."""
        params = request.query_params if request.method == "GET" else await request.form()
        hint = str(params.get("id_token_hint") or "")
        client_id = str(params.get("client_id") or "")
        if hint:
            try:
                claims = sim.tokens.verify(hint, "ID")
            except Unauthorized as error:
                raise OAuthError("invalid_request", f"Invalid id_token_hint: {error.message}") from None
            client_id = client_id or str(claims.get("azp") or "")
            sim.state.identity.ended_sessions.add(str(claims.get("session_state") or ""))
        target = str(params.get("post_logout_redirect_uri") or "")
        if not target:
            return Response(status_code=204)
        if not client_id:
            raise OAuthError("invalid_request", "post_logout_redirect_uri needs client_id or id_token_hint")
        if not redirect_allowed(known_client(sim, client_id), target):
            raise OAuthError("invalid_request", "Invalid parameter: post_logout_redirect_uri")
        state = params.get("state")
        location = target if state is None else with_query(target, {"state": str(state)})
        return Response(status_code=302, headers={"Location": location})

    return [
        Route(f"{REALM_PATH}/.well-known/openid-configuration", discovery, methods=["GET"]),
        Route(f"{OIDC_PATH}/certs", certs, methods=["GET"]),
        Route(f"{OIDC_PATH}/logout", _oauth_errors(logout), methods=["GET", "POST"]),
        Route(LOGIN_ACTION_PATH, _oauth_errors(authenticate), methods=["POST"]),
    ]
