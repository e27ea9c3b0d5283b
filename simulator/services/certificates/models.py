"""Device client certificates, looked up by SHA-256 fingerprint when a device connects over MQTT.

A certificate belongs to exactly one device (facts D.10): the same certificate registered again,
on any device, is a conflict. Only status `valid` may connect (facts I.20); leaving `valid` or
deleting announces `CertificateInvalidated` so live sessions drop.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from simulator.core.changes import records_change
from simulator.core.clock import iso
from simulator.core.errors import BadRequest, Conflict, not_found
from simulator.core.events import CertificateInvalidated
from simulator.services.backend import Backend

STATUSES = ("valid", "expired", "revoked", "inactive")


@dataclass
class Certificate:
    id: str
    tenant_id: str
    device_id: str
    pem: str
    fingerprint: str  # lower-case hex SHA-256 of the DER, no colons
    status: str
    subject: str
    valid_from: datetime
    valid_to: datetime
    created_at: datetime
    updated_at: datetime

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "deviceId": self.device_id,
            "cert": self.pem,
            "status": self.status,
            "fingerprint": self.fingerprint,
            "subject": self.subject,
            "validFrom": iso(self.valid_from),
            "validTo": iso(self.valid_to),
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }


@dataclass
class CertificatesStore:
    by_device: dict[str, dict[str, Certificate]] = field(default_factory=dict)  # device -> id -> cert, oldest first

    def __post_init__(self) -> None:
        self._by_fingerprint: dict[str, Certificate] | None = None  # derived: rebuilt lazily after restore

    @property
    def by_fingerprint(self) -> dict[str, Certificate]:
        if self._by_fingerprint is None:
            self._by_fingerprint = {c.fingerprint: c for certs in self.by_device.values() for c in certs.values()}
        return self._by_fingerprint


def fingerprint_of(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def parse_pem(pem: str) -> x509.Certificate:
    """The certificate in a PEM text; 400 for anything that is not one."""
    try:
        return x509.load_pem_x509_certificate(pem.encode("utf-8"))
    except Exception as error:  # cryptography raises ValueError and friends for bad input
        raise BadRequest(
            f"cert is not a PEM-encoded X.509 certificate: {error}",
            code="INVALID_CERTIFICATE",
            details=[{"path": "body.cert", "message": "not a PEM-encoded X.509 certificate"}],
        ) from None


class CertificatesBackend(Backend[CertificatesStore]):
    store_field = "certificates"

    def find_valid(self, fingerprint: str) -> Certificate | None:
        """The certificate a connecting device presents, if registered and `valid`."""
        found = self.store.by_fingerprint.get(fingerprint.lower().replace(":", ""))
        return found if found is not None and found.status == "valid" else None

    @records_change("createDeviceCertificate", created=True, resource="device_id")
    def create_certificate(self, tenant_id: str, device_id: str, pem: str, status: str = "valid") -> Certificate:
        device = self.sim.devices.get_device(tenant_id, device_id)
        parsed = parse_pem(pem)
        fingerprint = fingerprint_of(parsed.public_bytes(Encoding.DER))
        if fingerprint in self.store.by_fingerprint:
            raise Conflict("This certificate is already assigned to a device", code="CERTIFICATE_ALREADY_ASSIGNED")
        now = self.sim.clock.now()
        cert = Certificate(
            id=self.sim.random.uuid(),
            tenant_id=tenant_id,
            device_id=device.id,
            pem=pem,
            fingerprint=fingerprint,
            status=status,
            subject=parsed.subject.rfc4514_string(),
            valid_from=parsed.not_valid_before_utc,
            valid_to=parsed.not_valid_after_utc,
            created_at=now,
            updated_at=now,
        )
        self.store.by_device.setdefault(device.id, {})[cert.id] = cert
        self.store.by_fingerprint[fingerprint] = cert
        return cert

    # the HTTP operation and the in-process helper are the same thing
    create_device_certificate = create_certificate

    def list_device_certificates(self, tenant_id: str, device_id: str) -> list[Certificate]:
        device = self.sim.devices.get_device(tenant_id, device_id)
        return list(reversed(self.store.by_device.get(device.id, {}).values()))

    def get_device_certificate(self, tenant_id: str, device_id: str, cert_id: str) -> Certificate:
        device = self.sim.devices.get_device(tenant_id, device_id)
        cert = self.store.by_device.get(device.id, {}).get(cert_id)
        if cert is None:
            raise not_found("Certificate", cert_id)
        return cert

    @records_change("updateDeviceCertificate", resource="cert_id")
    def update_device_certificate(
        self, tenant_id: str, device_id: str, cert_id: str, status: str | None
    ) -> Certificate:
        """Change the status (absent: unchanged); leaving `valid` drops live sessions."""
        cert = self.get_device_certificate(tenant_id, device_id, cert_id)
        was_valid = cert.status == "valid"
        status = status or cert.status
        cert.status = status
        cert.updated_at = self.sim.clock.now()
        if was_valid and status != "valid":
            self._invalidated(cert)
        return cert

    @records_change("deleteDeviceCertificate", resource="cert_id")
    def delete_device_certificate(self, tenant_id: str, device_id: str, cert_id: str) -> None:
        cert = self.get_device_certificate(tenant_id, device_id, cert_id)
        self._remove(cert)

    def forget_device(self, tenant_id: str, device_id: str) -> None:
        """Device delete cascades here: every certificate of the device goes."""
        for cert in list(self.store.by_device.get(device_id, {}).values()):
            self._remove(cert)
        self.store.by_device.pop(device_id, None)

    def _remove(self, cert: Certificate) -> None:
        certs = self.store.by_device.get(cert.device_id, {})
        certs.pop(cert.id, None)
        if not certs:
            self.store.by_device.pop(cert.device_id, None)
        self.store.by_fingerprint.pop(cert.fingerprint, None)
        self._invalidated(cert)

    def _invalidated(self, cert: Certificate) -> None:
        self.sim.bus.publish(CertificateInvalidated(cert.tenant_id, cert.device_id, cert.fingerprint))
