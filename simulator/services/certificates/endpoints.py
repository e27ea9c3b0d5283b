"""HTTP endpoints of the certificates area (certificates hang off their device)."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import created, no_content, ok, paged
from simulator.services.certificates.models import Certificate


@operation("createDeviceCertificate")
async def create_device_certificate(call: Call) -> Response:
    body = call.body
    cert = call.sim.certificates.create_device_certificate(
        call.tenant_id, call.path["deviceId"], body["cert"], body.get("status") or "valid"
    )
    return created(cert.to_api())


@operation("listDeviceCertificates")
async def list_device_certificates(call: Call) -> Response:
    certs = call.sim.certificates.list_device_certificates(call.tenant_id, call.path["deviceId"])
    return paged(certs, call.page, call.page_size, Certificate.to_api)


@operation("getDeviceCertificate")
async def get_device_certificate(call: Call) -> Response:
    path = call.path
    return ok(call.sim.certificates.get_device_certificate(call.tenant_id, path["deviceId"], path["certId"]).to_api())


@operation("updateDeviceCertificate")
async def update_device_certificate(call: Call) -> Response:
    path, status = call.path, call.body.get("status")
    cert = call.sim.certificates.update_device_certificate(call.tenant_id, path["deviceId"], path["certId"], status)
    return ok(cert.to_api())


@operation("deleteDeviceCertificate")
async def delete_device_certificate(call: Call) -> Response:
    call.sim.certificates.delete_device_certificate(call.tenant_id, call.path["deviceId"], call.path["certId"])
    return no_content()
