"""Routes serving the dashboard's static files, the API reference page and the `/` redirect."""

from __future__ import annotations

from importlib.resources import files

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = ("simulator.dashboard", "static")
UI_PATH = "/_sim/ui/"
API_REFERENCE_PATH = "/v1/api-collection/"


def dashboard_routes() -> list[BaseRoute]:
    reference_page = files(STATIC[0]).joinpath(STATIC[1], "api-reference.html").read_bytes()

    async def to_dashboard(request: Request) -> Response:
        return RedirectResponse(UI_PATH, status_code=307)

    async def api_reference(request: Request) -> Response:
        return Response(reference_page, media_type="text/html; charset=utf-8")

    async def to_api_reference(request: Request) -> Response:
        return RedirectResponse(API_REFERENCE_PATH, status_code=307)

    async def control_index(request: Request) -> Response:
        """Which /_sim routes this server has: the dashboard shows a panel only when its route exists
        (a probe answering 404 would be an error in the browser's console)."""
        found: dict[str, set[str]] = {}
        for route in request.app.router.routes:
            path = getattr(route, "path", "")
            if path.startswith("/_sim/"):
                found.setdefault(path, set()).update(getattr(route, "methods", None) or ())
        return JSONResponse({"routes": [{"path": p, "methods": sorted(m)} for p, m in sorted(found.items())]})

    return [
        Route("/", to_dashboard, methods=["GET", "HEAD"]),
        Route("/_sim", control_index, methods=["GET"]),
        Route("/_sim/ui", to_dashboard, methods=["GET", "HEAD"]),
        Mount("/_sim/ui", StaticFiles(packages=[STATIC], html=True), name="dashboard"),
        Route(API_REFERENCE_PATH, api_reference, methods=["GET", "HEAD"]),
        Route(API_REFERENCE_PATH.rstrip("/"), to_api_reference, methods=["GET", "HEAD"]),
    ]
