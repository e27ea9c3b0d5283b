"""The download-link target: serves a firmware's stored bytes (not a contract operation).

Like a pre-signed storage URL it needs no bearer token, so devices can fetch what the
installation message points them at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simulator.api.errors import error_response
from simulator.core.errors import not_found
from simulator.services.firmware.models import BLOB_CONTENT_PATH

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def firmware_routes(sim: Simulator) -> list[BaseRoute]:
    async def blob_content(request: Request) -> Response:
        firmware_id = request.path_params["id"]
        firmware = sim.firmware.blob_content(firmware_id)
        if firmware is None or firmware.blob is None:
            return error_response(not_found("Firmware blob", firmware_id))
        headers = {"ETag": f'"{firmware.checksum}"', "Content-Disposition": f'attachment; filename="{firmware.id}"'}
        return Response(firmware.blob, media_type=firmware.content_type, headers=headers)

    return [Route(BLOB_CONTENT_PATH, blob_content, methods=["GET", "HEAD"])]
