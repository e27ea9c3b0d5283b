"""Factories for the devices-area tests: device types, devices, certificates, a second tenant, bus events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from simulator.testing import SimHandle

LAMP_SCHEMA: dict[str, Any] = {
    "attributes": {"temperature": {"type": "number", "property": "urn:oma:lwm2m:ext:5700"}},
    "configuration": {
        "brightness": {"type": "number", "minimum": 0, "maximum": 100},
        "color": {"type": "object", "properties": {"r": {"type": "integer"}}, "required": ["r"]},
    },
    "events": {"overheated": {"type": "object", "properties": {"temperature": {"type": "number"}}}},
    "actions": {"blink": {"type": "object", "properties": {"times": {"type": "integer", "minimum": 1}}}},
}


@pytest.fixture
def api(olt_sim: SimHandle) -> httpx.Client:
    """The owner of the demo tenant."""
    return olt_sim.client()


@pytest.fixture
def make_type(api: httpx.Client) -> Callable[..., dict[str, Any]]:
    def make(client: httpx.Client | None = None, **fields: Any) -> dict[str, Any]:
        body = {"name": "Lamp", "schema": LAMP_SCHEMA, **fields}
        response = (client or api).post("/device-types", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json()["data"])

    return make


@pytest.fixture
def make_device(api: httpx.Client, make_type: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    default_type: dict[str, Any] = {}

    def make(client: httpx.Client | None = None, *, type_id: str | None = None, **info: Any) -> dict[str, Any]:
        if type_id is None:
            if not default_type:
                default_type.update(make_type(client))
            type_id = default_type["id"]
        configuration = info.pop("configuration", None)
        body: dict[str, Any] = {"info": {"name": "device", "deviceTypeId": type_id, **info}}
        if configuration is not None:
            body["configuration"] = configuration
        response = (client or api).post("/devices", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json()["data"])

    return make


def make_pem(name: str = "My-Device") -> tuple[str, bytes]:
    """A self-signed EC certificate as the onboarding scripts make them: (PEM text, DER bytes)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "My-Tenant"), x509.NameAttribute(NameOID.COMMON_NAME, name)]
    )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(Encoding.PEM).decode(), cert.public_bytes(Encoding.DER)


@pytest.fixture
def new_cert() -> Callable[..., tuple[str, bytes]]:
    return make_pem
