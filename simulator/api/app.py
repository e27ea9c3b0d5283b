"""create_app(): the Starlette application over one Simulator."""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simulator.api.control import control_routes
from simulator.api.dispatch import Dispatcher
from simulator.api.errors import error_response
from simulator.api.guards import RequestGuard
from simulator.api.request_log import RequestLog
from simulator.core.errors import NotFound

if TYPE_CHECKING:
    from simulator.runtime import Simulator

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def extra_routes(sim: Simulator) -> list[BaseRoute]:
    """Routes outside the 125 operations that areas contribute (OIDC discovery, streams, CA)."""
    from simulator.dashboard.routes import dashboard_routes
    from simulator.identity.routes import identity_routes
    from simulator.services.firmware.routes import firmware_routes
    from simulator.services.streaming.routes import streaming_routes

    return [*identity_routes(sim), *firmware_routes(sim), *streaming_routes(sim), *dashboard_routes()]


def create_app(sim: Simulator) -> Starlette:
    dispatcher = Dispatcher(sim)
    contract_text = files("contracts").joinpath("olt-openapi.yaml").read_bytes()

    async def openapi_document(request: Request) -> Response:
        return Response(contract_text, media_type="application/yaml")

    async def not_found(request: Request) -> Response:
        return error_response(NotFound(f"No operation at {request.method} {request.url.path}"))

    # Starlette tries routes in order: the API catch-all comes before the /_sim control routes
    # (no /_sim path starts with /v1), so an API request is not matched against them first.
    routes: list[BaseRoute] = [
        Route("/v1/api-collection/openapi.yaml", openapi_document, methods=["GET"]),
        *extra_routes(sim),
        Route("/v1/{rest:path}", dispatcher.handle, methods=METHODS),
        *control_routes(sim),
        Route("/{rest:path}", not_found, methods=METHODS),
    ]
    settings = sim.settings
    cors = Middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),  # --cors-origin: beyond the localhost ones
        allow_origin_regex=settings.cors_origin_regex,
        allow_methods=["*"],
        allow_headers=["*"],
        allow_credentials=True,
        expose_headers=["Location"],
    )

    async def unmatched(request: Request, exc: Exception) -> Response:
        """Paths no route pattern matches (a newline in an id) still get the OLT answer, not Starlette's."""
        if request.scope["path"].startswith("/v1/"):
            return await dispatcher.handle(request)
        return await not_found(request)

    guard = Middleware(RequestGuard, sim=sim)  # outermost: Host, /_sim protection, 500 safety net
    middleware = [Middleware(RequestLog), guard, cors]  # the log sees what the guard refused too
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: unmatched})
    app.state.sim = sim
    return app
